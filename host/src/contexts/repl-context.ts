/**
 * One long-lived REPL driver process in the sandbox (per workspace and language).
 * Requests go to its stdin, responses come back on fd 3, and user output lands in two
 * capture files (fd 1 and 2) that are read and emptied after each run. A warm run is
 * therefore one pipe write, one pipe read and two small file reads: no process spawn.
 */
import { open, truncate, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { CodeError, Image, Termination } from "../../../src/shared/sandbox-schema.ts";
import { type CappedStream, capFile } from "../exec/capture.ts";
import { saveTarget } from "../exec/exec.ts";
import type { Sandboxer, SandboxProcess } from "../isolation/sandboxer.ts";
import type { WorkspaceFiles } from "../workspace/files.ts";

/** `shell` is the warm bash runner of exec/shell-pool.ts, not a REPL. */
export type ContextLanguage = "python" | "javascript" | "shell";

export interface DriverResponse {
  ok: boolean;
  result?: string;
  error?: CodeError;
  images: Image[];
  /** shell only: the run's exit status, or the signal that ended it. */
  exit_code?: number | null;
  signal?: number | null;
  /** shell only: false when the runner could not end everything the run started. */
  clean?: boolean;
  /** shell only: the run could not be forked at all (nothing of it ran). */
  spawn_failed?: boolean;
}

export interface ContextRunResult {
  response: DriverResponse | null;
  terminated?: Termination;
  stdout: CappedStream;
  stderr: CappedStream;
}

export interface ContextDeps {
  sandboxer: Sandboxer;
  pythonPath: string;
  /** Host directory for this host's capture files. */
  captureDir: string;
  files: WorkspaceFiles;
}

const STARTUP_TIMEOUT_MS = 20_000;
const STARTUP_LINE_LIMIT = 64 * 1024;
/** Room in a response line for images and JSON escaping beyond the capped texts. */
const RESPONSE_OVERHEAD = 24 * 1024 * 1024;
let seq = 0;

/**
 * Splits a byte stream into lines, scanning each byte once and holding at most
 * `maxLine()` bytes of an unfinished line: a driver (or code that writes into its
 * response pipe) cannot make the host buffer without bound or rescan a growing buffer.
 */
function lineReader(
  stream: Readable,
  maxLine: () => number,
  onLine: (line: string) => void,
  onOverflow: () => void,
): void {
  let parts: Buffer[] = [];
  let size = 0;
  let overflowed = false;
  stream.on("error", () => undefined);
  stream.on("data", (chunk: Buffer) => {
    if (overflowed) return;
    let rest = chunk;
    for (let nl = rest.indexOf(10); nl >= 0; nl = rest.indexOf(10)) {
      parts.push(rest.subarray(0, nl));
      const line = Buffer.concat(parts).toString("utf8");
      parts = [];
      size = 0;
      rest = rest.subarray(nl + 1);
      onLine(line);
    }
    size += rest.length;
    if (size > maxLine()) {
      overflowed = true;
      parts = [];
      onOverflow();
      return;
    }
    if (rest.length > 0) parts.push(rest);
  });
}

export class ReplContext {
  readonly language: ContextLanguage;
  #alive = true;
  readonly #deps: ContextDeps;
  readonly #proc: SandboxProcess;
  readonly #files: { stdout: string; stderr: string };
  readonly #wsDir: string;
  #waiter: ((line: string) => void) | null = null;
  /** Longest response line accepted (set per run from its output limit). */
  #maxLine = STARTUP_LINE_LIMIT;
  #overflowed = false;

  private constructor(
    language: ContextLanguage,
    deps: ContextDeps,
    proc: SandboxProcess,
    files: { stdout: string; stderr: string },
    wsDir: string,
  ) {
    this.language = language;
    this.#wsDir = wsDir;
    this.#deps = deps;
    this.#proc = proc;
    this.#files = files;
    const out = proc.child.stdio[3] as Readable;
    // a driver that dies between our check and our write must not crash the host (EPIPE)
    proc.child.stdin?.on("error", () => undefined);
    lineReader(
      out,
      () => this.#maxLine,
      (line) => {
        const w = this.#waiter;
        this.#waiter = null;
        w?.(line);
      },
      () => {
        this.#overflowed = true;
        void this.dispose();
      },
    );
    void proc.exited.then(() => {
      this.#alive = false;
      const w = this.#waiter;
      this.#waiter = null;
      w?.("");
    });
  }

  static async start(deps: ContextDeps, wsDir: string, language: ContextLanguage, memoryBytes: number) {
    const id = `ctx-${process.pid}-${++seq}`;
    const files = {
      stdout: join(deps.captureDir, `${id}.stdout`),
      stderr: join(deps.captureDir, `${id}.stderr`),
    };
    const out = await open(files.stdout, "a", 0o600);
    const err = await open(files.stderr, "a", 0o600);
    const paths = deps.sandboxer.paths(wsDir);
    const heapMb = Math.max(64, Math.floor((memoryBytes / 1024 / 1024) * 0.75));
    const argv =
      language === "python"
        ? [deps.pythonPath, "-u", "-X", "utf8", `${paths.drivers}/python_driver.py`]
        : language === "shell"
          ? [deps.pythonPath, "-u", "-S", `${paths.drivers}/shell_driver.py`]
          : [
              paths.node,
              "--disable-warning=ExperimentalWarning",
              `--max-old-space-size=${heapMb}`,
              `${paths.drivers}/node-driver.mts`,
            ];
    const proc = await deps.sandboxer.spawn({
      workspaceDir: wsDir,
      argv,
      stdio: ["pipe", out.fd, err.fd, "pipe"],
      cpuLimit: false,
    });
    await Promise.all([out.close(), err.close()]);
    const ctx = new ReplContext(language, deps, proc, files, wsDir);
    const ready = await ctx.#nextLine(STARTUP_TIMEOUT_MS);
    if (ready === null || !ready.includes('"ready"')) {
      const stderr = await capFile(files.stderr, 4096, ctx.#target("stderr", "startup"));
      await ctx.dispose();
      throw new Error(`${language} context failed to start: ${stderr.text.trim() || "no output"}`);
    }
    return ctx;
  }

  get alive(): boolean {
    return this.#alive;
  }

  /** Runs one request; on timeout the context is killed and reports `timeout`. */
  async run(
    request: object,
    timeoutMs: number,
    outputLimitBytes: number,
    runId: string,
  ): Promise<ContextRunResult> {
    // result, message and traceback are each capped at the output limit by the driver
    this.#maxLine = 8 * outputLimitBytes + RESPONSE_OVERHEAD;
    if (this.#alive)
      this.#proc.child.stdin?.write(`${JSON.stringify({ ...request, limit: outputLimitBytes })}\n`);
    const line = await this.#nextLine(timeoutMs);
    let terminated: Termination | undefined;
    let response: DriverResponse | null = null;
    if (line === null) {
      terminated = "timeout";
      await this.dispose();
    } else if (line === "" && !this.#alive) {
      terminated = (await this.#proc.oomKilled()) ? "memory" : "killed";
      await this.dispose();
      if (this.#overflowed)
        response = protocolError("the context sent an over-long response and was stopped");
    } else {
      response = parseResponse(line);
      if (response === null) {
        terminated = "killed";
        await this.dispose();
        response = protocolError("the context sent a malformed response and was stopped");
      }
    }
    const [stdout, stderr] = await Promise.all([
      capFile(this.#files.stdout, outputLimitBytes, this.#target("stdout", runId)),
      capFile(this.#files.stderr, outputLimitBytes, this.#target("stderr", runId)),
    ]);
    // V8 stops at --max-old-space-size before the cgroup limit is reached
    if (terminated === "killed" && stderr.text.includes("heap out of memory")) terminated = "memory";
    if (this.#alive) await Promise.all([truncate(this.#files.stdout, 0), truncate(this.#files.stderr, 0)]);
    else await this.removeFiles();
    return { response, stdout, stderr, ...(terminated ? { terminated } : {}) };
  }

  /** Whether the kernel OOM-killed something in this context's sandbox. */
  oomKilled(): Promise<boolean> {
    return this.#proc.oomKilled();
  }

  /** Kills the driver's whole process tree and removes its capture files. */
  async dispose(): Promise<void> {
    this.#alive = false;
    await this.#proc.kill();
  }

  /** Removes the capture files (after the last read). */
  async removeFiles(): Promise<void> {
    await Promise.all([
      unlink(this.#files.stdout).catch(() => undefined),
      unlink(this.#files.stderr).catch(() => undefined),
    ]);
  }

  #target(stream: "stdout" | "stderr", runId: string) {
    return saveTarget(this.#deps.files, this.#wsDir, runId)(stream);
  }

  /** Next response line; `null` on timeout, `""` when the driver exited. */
  #nextLine(timeoutMs: number): Promise<string | null> {
    if (!this.#alive) return Promise.resolve("");
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiter = null;
        resolve(null);
      }, timeoutMs);
      this.#waiter = (line) => {
        clearTimeout(timer);
        resolve(line);
      };
    });
  }
}

function protocolError(message: string): DriverResponse {
  return { ok: false, error: { name: "SandboxProtocolError", message, traceback: [] }, images: [] };
}

/** The driver's JSON line, or `null` when it is not a response object. */
function parseResponse(line: string): DriverResponse | null {
  try {
    const v = JSON.parse(line) as Partial<DriverResponse> | null;
    if (typeof v !== "object" || v === null || typeof v.ok !== "boolean") return null;
    return { ...v, ok: v.ok, images: Array.isArray(v.images) ? v.images : [] };
  } catch {
    return null;
  }
}
