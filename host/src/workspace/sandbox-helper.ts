/**
 * Workspace file operations performed inside the sandbox: one small file server
 * (`drivers/file_helper.py`) per workspace, running as the sandbox's own uid in its own
 * mount namespace. The host only normalises paths lexically; whatever follows symlinks
 * or opens files happens where the kernel confines it, so a path the sandbox swaps under
 * us can never make the host act with its own rights.
 *
 * The host side stays safe against a misbehaving server too: frames are parsed with a
 * bounded buffer, every answer has a size cap and a deadline, and a server that breaks
 * either is killed (the next operation starts a fresh one).
 */
import { createReadStream } from "node:fs";
import type { Writable } from "node:stream";
import { AppError } from "../../../src/errors/app-error.ts";
import { ErrorCode } from "../../../src/errors/codes.ts";
import type { Sandboxer, SandboxProcess } from "../isolation/sandboxer.ts";

export type HelperOp =
  | "read"
  | "write"
  | "mkdir"
  | "delete"
  | "stat"
  | "list"
  | "wipe"
  | "isdir"
  | "usage"
  | "count";

export interface HelperOptions {
  sandboxer: Sandboxer;
  pythonPath: string;
  maxFileSizeBytes: number;
  diskQuotaBytes: number;
  /** Deadline of one operation; a stuck server is killed, never the host. */
  timeoutMs: number;
  /** A server idle this long is stopped. */
  idleMs: number;
}

export interface HelperCall {
  op: HelperOp;
  /** Path relative to the workspace root ("" for the root). */
  relative?: string;
  recursive?: boolean;
  /** Request bytes, or the first `size` bytes of a host-private file (an output spill). */
  input?: Uint8Array | { file: string; size: number };
  /** Largest answer accepted; more kills the server, never grows a buffer. */
  maxOutput: number;
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));
/** Longest frame header line ("D <n>" or "E <json>"); end frames carry short JSON. */
const MAX_HEADER = 8 * 1024;

type Answer = { ok: true; data: Buffer } | { ok: false; error: AppError };

class HelperBrokenError extends Error {}

/** One file server process and the parser of its frames. */
class Server {
  readonly proc: SandboxProcess;
  #buf: Buffer = Buffer.alloc(0);
  #dataLeft = 0;
  #chunks: Buffer[] = [];
  #size = 0;
  #limit = 0;
  #pending: { resolve: (a: Answer) => void; reject: (e: Error) => void } | null = null;
  #dead: Error | null = null;
  lastUsed = Date.now();

  constructor(proc: SandboxProcess) {
    this.proc = proc;
    const out = proc.child.stdout;
    out?.on("data", (chunk: Buffer) => this.#feed(chunk));
    out?.on("error", () => undefined);
    proc.child.stdin?.on("error", () => undefined);
    proc.child.stderr?.resume();
    void proc.exited.then(() => this.#die(new HelperBrokenError("the file server exited")));
  }

  get alive(): boolean {
    return this.#dead === null;
  }

  /**
   * Sends one request and resolves with its answer (`limit`: largest data accepted);
   * without a header it only waits for the next answer (the greeting).
   */
  request(header: object | null, input: HelperCall["input"], limit: number): Promise<Answer> {
    if (this.#dead) return Promise.reject(this.#dead);
    this.#chunks = [];
    this.#size = 0;
    this.#limit = limit;
    const answer = new Promise<Answer>((resolve, reject) => {
      this.#pending = { resolve, reject };
    });
    if (header === null) return answer;
    const stdin = this.proc.child.stdin as Writable;
    stdin.write(`${JSON.stringify(header)}\n`);
    if (input instanceof Uint8Array) stdin.write(input);
    else if (input) void this.#pipeFile(stdin, input);
    return answer;
  }

  async #pipeFile(stdin: Writable, input: { file: string; size: number }): Promise<void> {
    if (input.size === 0) return;
    try {
      for await (const chunk of createReadStream(input.file, { start: 0, end: input.size - 1 })) {
        if (!this.alive) return;
        if (!stdin.write(chunk)) await new Promise((r) => stdin.once("drain", r));
      }
    } catch (e) {
      this.#die(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** Treats the server as broken: fails the pending request and kills it. */
  #die(error: Error): void {
    if (this.#dead) return;
    this.#dead = error;
    this.#pending?.reject(error);
    this.#pending = null;
    void this.proc.kill();
  }

  kill(reason: string): void {
    this.#die(new HelperBrokenError(reason));
  }

  #feed(chunk: Buffer): void {
    let rest = chunk;
    while (rest.length > 0 && !this.#dead) {
      if (this.#dataLeft > 0) {
        const take = rest.subarray(0, this.#dataLeft);
        this.#dataLeft -= take.length;
        this.#chunks.push(take);
        rest = rest.subarray(take.length);
        continue;
      }
      const nl = rest.indexOf(10);
      if (nl < 0) {
        if (this.#buf.length + rest.length > MAX_HEADER) this.#die(new HelperBrokenError("frame too long"));
        else this.#buf = Buffer.concat([this.#buf, rest]);
        return;
      }
      const line = Buffer.concat([this.#buf, rest.subarray(0, nl)]).toString("utf8");
      this.#buf = Buffer.alloc(0);
      rest = rest.subarray(nl + 1);
      this.#frame(line);
    }
  }

  #frame(line: string): void {
    if (line.startsWith("D ")) {
      const n = Number(line.slice(2));
      this.#size += n;
      if (!Number.isSafeInteger(n) || n < 0 || this.#size > this.#limit) {
        const limit = this.#limit;
        const pending = this.#pending;
        this.#pending = null;
        pending?.resolve({
          ok: false,
          error: new AppError("FILE_TOO_LARGE", `the answer is over ${limit} bytes`, {
            suggestion: "Read part of it with a shell command such as head or tail.",
          }),
        });
        this.#die(new HelperBrokenError("answer over its limit"));
        return;
      }
      this.#dataLeft = n;
      return;
    }
    if (!line.startsWith("E ")) {
      this.#die(new HelperBrokenError("malformed frame"));
      return;
    }
    let end: { ok?: unknown; ready?: unknown; code?: unknown; message?: unknown };
    try {
      end = JSON.parse(line.slice(2)) as typeof end;
    } catch {
      this.#die(new HelperBrokenError("malformed end frame"));
      return;
    }
    const pending = this.#pending;
    this.#pending = null;
    if (end.ok === true) {
      pending?.resolve({ ok: true, data: Buffer.concat(this.#chunks) });
    } else if (typeof end.code === "string" && KNOWN_CODES.has(end.code) && typeof end.message === "string") {
      const code = end.code as ErrorCode;
      pending?.resolve({ ok: false, error: new AppError(code, end.message, suggestionFor(code)) });
    } else {
      this.#die(new HelperBrokenError("malformed end frame"));
    }
    this.#chunks = [];
  }
}

export class SandboxHelper {
  readonly #o: HelperOptions;
  /** Per workspace directory: its server and the queue that serialises its calls. */
  readonly #slots = new Map<string, { server: Promise<Server> | null; queue: Promise<unknown> }>();
  readonly #reaper: NodeJS.Timeout;

  constructor(options: HelperOptions) {
    this.#o = options;
    this.#reaper = setInterval(() => this.#reapIdle(), Math.min(10_000, options.idleMs)).unref();
  }

  get maxFileSizeBytes(): number {
    return this.#o.maxFileSizeBytes;
  }

  run(wsDir: string, call: HelperCall): Promise<Buffer> {
    let slot = this.#slots.get(wsDir);
    if (!slot) {
      slot = { server: null, queue: Promise.resolve() };
      this.#slots.set(wsDir, slot);
    }
    const s = slot;
    const result = s.queue.then(() => this.#runOn(s, wsDir, call));
    s.queue = result.catch(() => undefined);
    return result;
  }

  async #runOn(slot: { server: Promise<Server> | null }, wsDir: string, call: HelperCall): Promise<Buffer> {
    let server = slot.server ? await slot.server.catch(() => null) : null;
    if (!server?.alive) {
      slot.server = this.#start(wsDir);
      server = await slot.server;
    }
    // a busy server is never idle
    server.lastUsed = Number.POSITIVE_INFINITY;
    const size = call.input instanceof Uint8Array ? call.input.byteLength : (call.input?.size ?? 0);
    const header = { op: call.op, path: call.relative ?? "", recursive: call.recursive === true, size };
    const s = server;
    const timer = setTimeout(
      () => s.kill(`file operation ${call.op} did not finish within ${this.#o.timeoutMs} ms`),
      this.#o.timeoutMs,
    );
    try {
      const answer = await s.request(header, call.input, call.maxOutput);
      if (!answer.ok) throw answer.error;
      return answer.data;
    } catch (e) {
      if (e instanceof HelperBrokenError) {
        throw new AppError("SANDBOX_UNAVAILABLE", `file operation ${call.op} failed: ${e.message}`, {
          suggestion: "Retry; a file server that misbehaves is replaced by a fresh one.",
        });
      }
      throw e;
    } finally {
      clearTimeout(timer);
      s.lastUsed = Date.now();
    }
  }

  async #start(wsDir: string): Promise<Server> {
    const o = this.#o;
    const inside = o.sandboxer.paths(wsDir);
    const proc = await o.sandboxer.spawn({
      workspaceDir: wsDir,
      argv: [
        o.pythonPath,
        "-I",
        "-S",
        `${inside.drivers}/file_helper.py`,
        inside.workspace,
        String(o.maxFileSizeBytes),
        String(o.diskQuotaBytes),
      ],
      stdio: ["pipe", "pipe", "pipe"],
      cpuLimit: false,
    });
    const server = new Server(proc);
    const timer = setTimeout(() => server.kill("the file server did not start"), 20_000);
    try {
      // the server announces itself with one end frame before the first request
      const ready = await server.request(null, undefined, 0).catch((e: Error) => e);
      if (ready instanceof Error) throw ready;
    } finally {
      clearTimeout(timer);
    }
    return server;
  }

  #reapIdle(): void {
    const now = Date.now();
    for (const slot of this.#slots.values()) {
      const current = slot.server;
      void current?.then(
        (server) => {
          if (slot.server !== current || now - server.lastUsed < this.#o.idleMs) return;
          slot.server = null;
          server.kill("idle");
        },
        () => undefined,
      );
    }
  }

  /** Stops the server of one workspace directory (or all). */
  async dispose(wsDir?: string): Promise<void> {
    if (wsDir === undefined) clearInterval(this.#reaper);
    const jobs: Promise<void>[] = [];
    for (const [dir, slot] of this.#slots) {
      if (wsDir !== undefined && dir !== wsDir) continue;
      this.#slots.delete(dir);
      jobs.push(
        slot.queue.then(async () => {
          const server = await slot.server?.catch(() => null);
          if (server) {
            server.kill("disposed");
            await server.proc.kill();
          }
        }),
      );
    }
    await Promise.all(jobs);
  }
}

function suggestionFor(code: ErrorCode): { suggestion?: string } {
  switch (code) {
    case "FILE_NOT_FOUND":
      return { suggestion: "Check the path with list_files." };
    case "FILE_TOO_LARGE":
      return { suggestion: "Read part of it with a shell command such as head or tail." };
    case "DISK_QUOTA":
      return { suggestion: "Delete files you no longer need (delete_file or rm) and try again." };
    case "NOT_A_FILE":
      return { suggestion: "Only regular files can be read or written with the file tools." };
    default:
      return {};
  }
}
