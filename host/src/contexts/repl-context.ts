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

export type ContextLanguage = "python" | "javascript";

export interface DriverResponse {
  ok: boolean;
  result?: string;
  error?: CodeError;
  images: Image[];
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
let seq = 0;

/** Splits a byte stream into lines and hands each one to `onLine`. */
function lineReader(stream: Readable, onLine: (line: string) => void): void {
  let pending = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    pending += chunk;
    for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
      onLine(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
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
    lineReader(out, (line) => {
      const w = this.#waiter;
      this.#waiter = null;
      w?.(line);
    });
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
    this.#proc.child.stdin?.write(`${JSON.stringify(request)}\n`);
    const line = await this.#nextLine(timeoutMs);
    let terminated: Termination | undefined;
    let response: DriverResponse | null = null;
    if (line === null) {
      terminated = "timeout";
      await this.dispose();
    } else if (line === "" && !this.#alive) {
      terminated = (await this.#proc.oomKilled()) ? "memory" : "killed";
      await this.dispose();
    } else {
      response = JSON.parse(line) as DriverResponse;
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
