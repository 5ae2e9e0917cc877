/**
 * Background processes for the Cloudflare backend. Commands run under `timeout` (see
 * shell.ts) so their hard limit holds even if nobody polls them, and with
 * `autoCleanup: false` so a finished process can still be inspected.
 */
import type { Process } from "@cloudflare/sandbox";
import type { ProcessState } from "../../shared/sandbox-schema.ts";
import type { ProcessInfo, ProcessLogs, StartProcessOptions } from "../backend.ts";
import { bounded } from "./deadline.ts";
import { readRemoteError, sdkCodeOf, toAppError } from "./errors.ts";
import { sliceBytes } from "./output-cap.ts";
import { isTimeoutExit, stripTimeoutNotice, wrapWithTimeout } from "./shell.ts";
import type { AdapterSettings, SandboxApi } from "./types.ts";

const KILL_POLL_MS = 100;
const KILL_WAIT_MS = 5_000;

type ProcessView = Pick<Process, "id" | "status" | "exitCode" | "startTime" | "endTime">;

export class WorkspaceProcesses {
  readonly #sandbox: SandboxApi;
  readonly #settings: AdapterSettings;

  constructor(sandbox: SandboxApi, settings: AdapterSettings) {
    this.#sandbox = sandbox;
    this.#settings = settings;
  }

  async start(command: string, cwd: string, options: StartProcessOptions): Promise<ProcessInfo> {
    const process = await this.#call(
      "start a process",
      this.#sandbox.startProcess(wrapWithTimeout(command, options.timeoutMs), {
        cwd,
        autoCleanup: false,
        ...(options.env ? { env: options.env } : {}),
      }),
    );
    return toInfo(plainView(process), false);
  }

  async get(id: string): Promise<ProcessInfo | null> {
    const process = await this.#find(id);
    if (process === null) return null;
    const fired = isFinished(process.status) ? await this.#timeoutFired(id) : false;
    return toInfo(process, fired);
  }

  async logs(
    id: string,
    range: { stdoutOffset: number; stderrOffset: number; limit: number },
  ): Promise<ProcessLogs | null> {
    let logs: { stdout: string; stderr: string };
    try {
      logs = await this.#call("read process logs", this.#sandbox.getProcessLogs(id));
    } catch (error) {
      if (isProcessNotFound(error)) return null;
      throw error;
    }
    const stdout = sliceBytes(logs.stdout, range.stdoutOffset, range.limit);
    const stderr = sliceBytes(stripTimeoutNotice(logs.stderr).stderr, range.stderrOffset, range.limit);
    return {
      stdout: stdout.text,
      stderr: stderr.text,
      stdoutOffset: stdout.nextOffset,
      stderrOffset: stderr.nextOffset,
    };
  }

  async kill(id: string): Promise<void> {
    const process = await this.#find(id);
    if (process === null || isFinished(process.status)) return;
    try {
      await this.#call("kill a process", this.#sandbox.killProcess(id));
    } catch (error) {
      if (isProcessNotFound(error)) return;
      throw error;
    }
    // killProcess returns once the signal is sent; the contract is "resolves once gone".
    const until = Date.now() + KILL_WAIT_MS;
    while (Date.now() < until) {
      const now = await this.#find(id);
      if (now === null || isFinished(now.status)) return;
      await new Promise((resolve) => setTimeout(resolve, KILL_POLL_MS));
    }
  }

  async #find(id: string): Promise<ProcessView | null> {
    try {
      const process = await this.#call("look up a process", this.#sandbox.getProcess(id));
      return process === null ? null : plainView(process);
    } catch (error) {
      if (isProcessNotFound(error)) return null;
      throw error;
    }
  }

  async #timeoutFired(id: string): Promise<boolean> {
    try {
      const logs = await this.#call("read process logs", this.#sandbox.getProcessLogs(id));
      return stripTimeoutNotice(logs.stderr).fired;
    } catch {
      return false;
    }
  }

  async #call<T>(what: string, p: Promise<T>): Promise<T> {
    try {
      return await bounded(what, p, this.#settings.callTimeoutMs);
    } catch (error) {
      throw isProcessNotFound(error) ? error : toAppError(error, what);
    }
  }
}

function isProcessNotFound(error: unknown): boolean {
  return sdkCodeOf(error) === "PROCESS_NOT_FOUND" || readRemoteError(error).name === "ProcessNotFoundError";
}

function isFinished(status: Process["status"]): boolean {
  return status !== "running" && status !== "starting";
}

/**
 * The fields we use, copied out of a Process that came over RPC, which is then released.
 * Its methods (kill, getLogs, …) arrive as RPC stubs; held, they keep the calling Durable
 * Object (the workspace, following a task) from ever being evicted.
 */
function plainView(process: ProcessView): ProcessView {
  const view: ProcessView = {
    id: process.id,
    status: process.status,
    exitCode: process.exitCode,
    startTime: process.startTime,
    endTime: process.endTime,
  };
  const dispose = (process as { [Symbol.dispose]?: () => void })[Symbol.dispose];
  if (typeof dispose === "function") dispose.call(process);
  return view;
}

function toInfo(p: ProcessView, timeoutFired: boolean): ProcessInfo {
  const exitCode = p.exitCode ?? null;
  let state: ProcessState;
  if (!isFinished(p.status)) state = "running";
  else if (isTimeoutExit(exitCode, timeoutFired)) state = "timed_out";
  else if (p.status === "killed") state = "killed";
  else state = "exited";
  return {
    id: p.id,
    state,
    exitCode: state === "exited" ? exitCode : null,
    startedAt: new Date(p.startTime).toISOString(),
    endedAt: p.endTime
      ? new Date(p.endTime).toISOString()
      : isFinished(p.status)
        ? new Date().toISOString()
        : null,
  };
}
