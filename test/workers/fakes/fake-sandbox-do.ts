/**
 * Fake of the Sandbox SDK's Durable Object for the Workers test runtime, where
 * containers cannot run. It exposes the RPC methods the real `getSandbox()` proxy and
 * our adapter call, with the same names and result shapes, and behaves like a small
 * container: an in-memory filesystem, a bash subset, code contexts that keep state,
 * background processes with logs. Failures are thrown the way they arrive across RPC
 * from the real SDK: a plain Error with `name` and an `errorResponse` own property.
 *
 * Methods prefixed `test` are controls for tests (restart the container, stall it,
 * fail the next call, inspect calls); the real class has nothing like them.
 */
import { DurableObject } from "cloudflare:workers";
import { FakeFs, FsError, sizeOf } from "./fake-fs.ts";
import { FakeCodeContext, type FakeExecutionResult } from "./fake-interpreter.ts";
import { runScript } from "./fake-shell.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CONTEXT_KEY_PREFIX = "codemode:code-context:";

type OutputCallback = (stream: "stdout" | "stderr", data: string) => unknown;

interface ExecOptionsLike {
  timeout?: number;
  env?: Record<string, string | undefined>;
  cwd?: string;
  stream?: boolean;
  onOutput?: OutputCallback;
}

interface FakeProcess {
  id: string;
  pid: number;
  command: string;
  status: "running" | "completed" | "failed" | "killed" | "error";
  exitCode?: number;
  startTime: Date;
  endTime?: Date;
  stdout: string;
  stderr: string;
  abort: AbortController;
  done: Promise<void>;
}

export interface InjectedFailure {
  method: string;
  name: string;
  code: string;
  message: string;
}

/** An SDK error as it looks after crossing Durable Object RPC. */
export function sdkError(
  code: string,
  name: string,
  message: string,
  context: Record<string, unknown> = {},
): Error {
  const error = new Error(message);
  error.name = name;
  return Object.assign(error, {
    errorResponse: { code, message, context, httpStatus: 500, timestamp: new Date().toISOString() },
  });
}

function fsFailure(e: unknown, path: string): Error {
  if (e instanceof FsError) {
    if (e.errno === "ENOENT")
      return sdkError("FILE_NOT_FOUND", "FileNotFoundError", `File not found: ${path}`, { path });
    if (e.errno === "EISDIR")
      return sdkError("IS_DIRECTORY", "FileSystemError", `Is a directory: ${path}`, { path });
    if (e.errno === "ENOTDIR")
      return sdkError("NOT_DIRECTORY", "FileSystemError", `Not a directory: ${path}`, { path });
    return sdkError("FILESYSTEM_ERROR", "FileSystemError", e.message, { path });
  }
  return e instanceof Error ? e : new Error(String(e));
}

function base64Encode(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function base64Decode(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export class Sandbox extends DurableObject {
  #fs = new FakeFs();
  #processes = new Map<string, FakeProcess>();
  #contexts = new Map<string, FakeCodeContext>();
  #nextPid = 100;
  #calls: Array<{ method: string; args: unknown[] }> = [];
  #failures: InjectedFailure[] = [];
  #stall: { release: () => void; promise: Promise<void> } | null = null;
  #pythonAvailable = true;

  // ----- configuration (called by getSandbox() before anything else) -----

  async configure(configuration: Record<string, unknown>): Promise<void> {
    this.#record("configure", [configuration]);
  }
  async setSandboxName(name: string, normalizeId?: boolean): Promise<void> {
    this.#record("setSandboxName", [name, normalizeId]);
  }
  async setSleepAfter(value: string | number): Promise<void> {
    this.#record("setSleepAfter", [value]);
  }
  async setKeepAlive(value: boolean): Promise<void> {
    this.#record("setKeepAlive", [value]);
  }
  async setTransport(value: string): Promise<void> {
    this.#record("setTransport", [value]);
  }
  async setContainerTimeouts(value: Record<string, number>): Promise<void> {
    this.#record("setContainerTimeouts", [value]);
  }
  async setLabels(value: Record<string, string>): Promise<void> {
    this.#record("setLabels", [value]);
  }
  async setEnvVars(value: Record<string, string | undefined>): Promise<void> {
    this.#record("setEnvVars", [value]);
  }

  // ----- commands -----

  async exec(command: string, options: ExecOptionsLike = {}) {
    await this.#gate("exec", [
      command,
      { ...options, onOutput: options.onOutput ? "[callback]" : undefined },
    ]);
    const started = Date.now();
    let stdout = "";
    let stderr = "";
    const emit = (stream: "stdout" | "stderr", data: string) => {
      if (stream === "stdout") stdout += data;
      else stderr += data;
      if (options.stream && options.onOutput) {
        // The SDK does not await the callback; a failing one must not break the command.
        Promise.resolve(options.onOutput(stream, data)).catch(() => {});
      }
    };
    const abort = new AbortController();
    const run = runScript(command, {
      fs: this.#fs,
      cwd: options.cwd ?? "/workspace",
      env: this.#env(options.env),
      signal: abort.signal,
      out: (s) => emit("stdout", s),
      err: (s) => emit("stderr", s),
    });
    // Like the SDK in a session: a per-call timeout stops the wait, not the command.
    const exitCode =
      options.timeout === undefined
        ? await run
        : await Promise.race([
            run,
            new Promise<never>((_, reject) =>
              setTimeout(
                () =>
                  reject(
                    sdkError(
                      "COMMAND_EXECUTION_ERROR",
                      "CommandError",
                      `Command timeout after ${options.timeout}ms`,
                    ),
                  ),
                options.timeout,
              ),
            ),
          ]);
    return {
      success: exitCode === 0,
      exitCode,
      stdout,
      stderr,
      command,
      duration: Date.now() - started,
      timestamp: new Date(started).toISOString(),
    };
  }

  // ----- background processes -----

  async startProcess(
    command: string,
    options: ExecOptionsLike & { processId?: string; autoCleanup?: boolean } = {},
  ) {
    await this.#gate("startProcess", [command, options]);
    const abort = new AbortController();
    const proc: FakeProcess = {
      id: options.processId ?? `proc_${crypto.randomUUID().slice(0, 8)}`,
      pid: this.#nextPid++,
      command,
      status: "running",
      startTime: new Date(),
      stdout: "",
      stderr: "",
      abort,
      done: Promise.resolve(),
    };
    proc.done = runScript(command, {
      fs: this.#fs,
      cwd: options.cwd ?? "/workspace",
      env: this.#env(options.env),
      signal: abort.signal,
      out: (s) => {
        proc.stdout += s;
      },
      err: (s) => {
        proc.stderr += s;
      },
    }).then(
      (code) => {
        proc.exitCode = code;
        proc.endTime = new Date();
        // Same mapping as the container's ProcessManager.interpretExitCode.
        proc.status = code === 0 ? "completed" : code === 137 || code === 143 ? "killed" : "failed";
      },
      () => {
        proc.status = "error";
        proc.endTime = new Date();
      },
    );
    this.#processes.set(proc.id, proc);
    return this.#processView(proc);
  }

  async getProcess(id: string) {
    await this.#gate("getProcess", [id]);
    const proc = this.#processes.get(id);
    return proc ? this.#processView(proc) : null;
  }

  async getProcessLogs(id: string) {
    await this.#gate("getProcessLogs", [id]);
    const proc = this.#requireProcess(id);
    return { stdout: proc.stdout, stderr: proc.stderr, processId: id };
  }

  async killProcess(id: string, _signal?: string): Promise<void> {
    await this.#gate("killProcess", [id]);
    const proc = this.#requireProcess(id);
    proc.abort.abort();
    await proc.done;
    proc.status = "killed";
  }

  async killAllProcesses(): Promise<number> {
    await this.#gate("killAllProcesses", []);
    let n = 0;
    for (const proc of this.#processes.values()) {
      if (proc.status !== "running") continue;
      proc.abort.abort();
      await proc.done;
      proc.status = "killed";
      n++;
    }
    return n;
  }

  // ----- files -----

  async readFile(path: string, options: { encoding?: string } = {}) {
    await this.#gate("readFile", [path, options]);
    const node = this.#fs.get(path);
    // Bun.file(dir).exists() is false, so the container reports directories as missing.
    if (node?.kind !== "file")
      throw sdkError("FILE_NOT_FOUND", "FileNotFoundError", `File not found: ${path}`);
    const bytes = node.data;
    const binary = options.encoding === "base64";
    return {
      success: true,
      path,
      content: binary ? base64Encode(bytes) : decoder.decode(bytes),
      timestamp: new Date().toISOString(),
      encoding: binary ? "base64" : "utf-8",
      isBinary: binary,
      mimeType: "application/octet-stream",
      size: bytes.length,
    };
  }

  async writeFile(path: string, content: string, options: { encoding?: string } = {}) {
    await this.#gate("writeFile", [path, { ...options, bytes: content.length }]);
    if (options.encoding === "base64" && !/^[A-Za-z0-9+/=]*$/.test(content)) {
      throw sdkError("VALIDATION_FAILED", "ValidationFailedError", `Invalid base64 content for '${path}'`);
    }
    const data = options.encoding === "base64" ? base64Decode(content) : encoder.encode(content);
    try {
      // Bun.write creates missing parent directories.
      this.#fs.write(path, data, { createParents: true });
    } catch (e) {
      throw fsFailure(e, path);
    }
    return { success: true, path, bytesWritten: data.length, timestamp: new Date().toISOString() };
  }

  async listFiles(path: string, options: { recursive?: boolean; includeHidden?: boolean } = {}) {
    await this.#gate("listFiles", [path, options]);
    try {
      const base = this.#fs.realpath(path);
      const entries = this.#fs.list(path, options.recursive ?? false).filter(
        (e) =>
          options.includeHidden ||
          !e.path
            .slice(base.length)
            .split("/")
            .some((s) => s.startsWith(".")),
      );
      const files = entries.map(({ path: p, node }) => ({
        name: p.slice(p.lastIndexOf("/") + 1),
        absolutePath: p,
        relativePath: p.slice(base.length + 1),
        type:
          node.kind === "dir"
            ? ("directory" as const)
            : node.kind === "symlink"
              ? ("symlink" as const)
              : ("file" as const),
        size: sizeOf(node),
        modifiedAt: new Date(node.mtime).toISOString(),
        mode: node.kind === "dir" ? "rwxr-xr-x" : "rw-r--r--",
        permissions: { readable: true, writable: true, executable: node.kind === "dir" },
      }));
      return { success: true, path, files, count: files.length, timestamp: new Date().toISOString() };
    } catch (e) {
      throw fsFailure(e, path);
    }
  }

  async deleteFile(path: string) {
    await this.#gate("deleteFile", [path]);
    const node = this.#fs.get(path, false);
    if (!node) throw sdkError("FILE_NOT_FOUND", "FileNotFoundError", `File not found: ${path}`);
    if (this.#fs.get(path)?.kind === "dir") {
      throw sdkError(
        "IS_DIRECTORY",
        "FileSystemError",
        `Cannot delete directory with deleteFile() at '${path}'. Use exec('rm -rf <path>') instead.`,
      );
    }
    this.#fs.remove(path, false);
    return { success: true, path, timestamp: new Date().toISOString() };
  }

  async mkdir(path: string, options: { recursive?: boolean } = {}) {
    await this.#gate("mkdir", [path, options]);
    try {
      this.#fs.mkdir(path, options.recursive ?? false);
    } catch (e) {
      throw fsFailure(e, path);
    }
    return {
      success: true,
      path,
      recursive: options.recursive ?? false,
      timestamp: new Date().toISOString(),
    };
  }

  async exists(path: string) {
    await this.#gate("exists", [path]);
    return {
      success: true,
      path,
      exists: this.#fs.get(path) !== undefined,
      timestamp: new Date().toISOString(),
    };
  }

  // ----- code interpreter -----

  async createCodeContext(options: { language?: "python" | "javascript" | "typescript"; cwd?: string } = {}) {
    await this.#gate("createCodeContext", [options]);
    const language = options.language ?? "python";
    if (language === "python" && !this.#pythonAvailable) {
      throw sdkError(
        "PYTHON_NOT_AVAILABLE",
        "SandboxError",
        "Python interpreter not available in this image",
      );
    }
    const context = new FakeCodeContext(language, (path, text, append) =>
      this.#fs.write(path, encoder.encode(text), { append, createParents: true }),
    );
    this.#contexts.set(context.id, context);
    return this.#contextView(context);
  }

  async runCode(
    code: string,
    options: {
      context?: { id: string };
      language?: string;
      envVars?: Record<string, string | undefined>;
    } = {},
  ): Promise<FakeExecutionResult> {
    await this.#gate("runCode", [code, { context: options.context?.id, language: options.language }]);
    const id = options.context?.id;
    const context = id === undefined ? undefined : this.#contexts.get(id);
    if (!context) {
      throw sdkError("CONTEXT_NOT_FOUND", "ContextNotFoundError", `Context ${id} not found`, {
        contextId: id,
      });
    }
    return context.run(code, options.envVars);
  }

  async deleteCodeContext(id: string): Promise<void> {
    await this.#gate("deleteCodeContext", [id]);
    const context = this.#contexts.get(id);
    if (!context)
      throw sdkError("CONTEXT_NOT_FOUND", "ContextNotFoundError", `Code context '${id}' not found`);
    context.dispose();
    this.#contexts.delete(id);
  }

  async listCodeContexts() {
    await this.#gate("listCodeContexts", []);
    return [...this.#contexts.values()].map((c) => this.#contextView(c));
  }

  // ----- lifecycle -----

  async destroy(): Promise<void> {
    await this.#gate("destroy", []);
    this.#wipeContainer();
  }

  // ----- our subclass's context registry (same as src/sandbox/cloudflare/sandbox-do.ts) -----

  async getCodeContextId(language: string): Promise<string | null> {
    return (await this.ctx.storage.get<string>(CONTEXT_KEY_PREFIX + language)) ?? null;
  }

  async setCodeContextId(language: string, id: string | null): Promise<void> {
    if (id === null) await this.ctx.storage.delete(CONTEXT_KEY_PREFIX + language);
    else await this.ctx.storage.put(CONTEXT_KEY_PREFIX + language, id);
  }

  // ----- test controls -----

  /** The container slept or restarted: files, processes and contexts are gone. */
  async testRestartContainer(): Promise<void> {
    this.#wipeContainer();
  }

  /** While stalled, every SDK call hangs (like a wedged container) until un-stalled. */
  async testStall(stalled: boolean): Promise<void> {
    if (stalled && !this.#stall) {
      let release = () => {};
      const promise = new Promise<void>((resolve) => {
        release = resolve;
      });
      this.#stall = { release, promise };
    } else if (!stalled && this.#stall) {
      this.#stall.release();
      this.#stall = null;
    }
  }

  /** The next call of `method` throws this SDK error. */
  async testFailNext(failure: InjectedFailure): Promise<void> {
    this.#failures.push(failure);
  }

  async testSetPythonAvailable(available: boolean): Promise<void> {
    this.#pythonAvailable = available;
  }

  /** JSON of `{ method, args }[]` (args of unknown shape do not type across RPC). */
  async testCalls(): Promise<string> {
    return JSON.stringify(this.#calls);
  }

  async testRunningProcesses(): Promise<number> {
    return [...this.#processes.values()].filter((p) => p.status === "running").length;
  }

  async testContextCount(): Promise<number> {
    return this.#contexts.size;
  }

  // ----- internals -----

  #record(method: string, args: unknown[]): void {
    this.#calls.push({ method, args: structuredClone(args) });
  }

  async #gate(method: string, args: unknown[]): Promise<void> {
    this.#record(method, args);
    const i = this.#failures.findIndex((f) => f.method === method);
    if (i >= 0) {
      const [f] = this.#failures.splice(i, 1);
      if (f) throw sdkError(f.code, f.name, f.message);
    }
    // A stalled call carries on (late) once the container recovers.
    if (this.#stall) await this.#stall.promise;
  }

  #env(extra: Record<string, string | undefined> = {}): Record<string, string> {
    const env: Record<string, string> = {
      HOME: "/root",
      PATH: "/usr/local/bin:/usr/bin:/bin",
      PWD: "/workspace",
    };
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
    return env;
  }

  #requireProcess(id: string): FakeProcess {
    const proc = this.#processes.get(id);
    if (!proc)
      throw sdkError("PROCESS_NOT_FOUND", "ProcessNotFoundError", `Process ${id} not found`, {
        processId: id,
      });
    return proc;
  }

  #processView(p: FakeProcess) {
    return {
      id: p.id,
      pid: p.pid,
      command: p.command,
      status: p.status,
      startTime: p.startTime,
      ...(p.endTime ? { endTime: p.endTime } : {}),
      ...(p.exitCode !== undefined ? { exitCode: p.exitCode } : {}),
    };
  }

  #contextView(c: FakeCodeContext) {
    return {
      id: c.id,
      language: c.language,
      cwd: "/workspace",
      createdAt: c.createdAt,
      lastUsed: new Date(),
    };
  }

  #wipeContainer(): void {
    for (const p of this.#processes.values()) p.abort.abort();
    for (const c of this.#contexts.values()) c.dispose();
    this.#processes.clear();
    this.#contexts.clear();
    this.#fs.reset();
  }
}
