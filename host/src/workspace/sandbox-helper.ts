/**
 * Runs one workspace file operation inside the sandbox (`drivers/file_helper.py`), as
 * the sandbox's own uid in its own mount namespace. The host only lexically normalises
 * the path; everything that follows symlinks or opens files happens where the kernel
 * confines it, so a path the sandbox swaps under us can never make the host act with
 * its own rights. Every channel back is bounded and every call has a deadline.
 */
import type { Readable } from "node:stream";
import { AppError } from "../../../src/errors/app-error.ts";
import { ErrorCode } from "../../../src/errors/codes.ts";
import type { Sandboxer } from "../isolation/sandboxer.ts";

export type HelperOp = "read" | "write" | "mkdir" | "delete" | "stat" | "list" | "wipe" | "isdir" | "usage";

export interface HelperOptions {
  sandboxer: Sandboxer;
  pythonPath: string;
  maxFileSizeBytes: number;
  diskQuotaBytes: number;
  /** Deadline of one operation; a stuck helper is killed, never the host. */
  timeoutMs: number;
}

export interface HelperCall {
  op: HelperOp;
  /** Path relative to the workspace root ("" for the root). */
  relative?: string;
  extra?: string[];
  /** Bytes for stdin, or an open host fd handed to the helper as its stdin. */
  stdin?: Uint8Array | number;
  /** Largest stdout accepted; more is an error, never a bigger buffer. */
  maxStdout: number;
}

const STDERR_LIMIT = 16 * 1024;
const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/** Collects at most `limit` bytes; `over` is set when the stream had more. */
function collect(stream: Readable | null, limit: number): { chunks: Buffer[]; over: boolean; size: number } {
  const state = { chunks: [] as Buffer[], over: false, size: 0 };
  stream?.on("data", (chunk: Buffer) => {
    if (state.over) return;
    state.size += chunk.length;
    if (state.size > limit) {
      state.over = true;
      state.chunks = [];
      stream.destroy();
      return;
    }
    state.chunks.push(chunk);
  });
  stream?.on("error", () => undefined);
  return state;
}

export class SandboxHelper {
  readonly #o: HelperOptions;

  constructor(options: HelperOptions) {
    this.#o = options;
  }

  get maxFileSizeBytes(): number {
    return this.#o.maxFileSizeBytes;
  }

  async run(wsDir: string, call: HelperCall): Promise<Buffer> {
    const o = this.#o;
    const inside = o.sandboxer.paths(wsDir);
    const argv = [
      o.pythonPath,
      "-I",
      "-S",
      `${inside.drivers}/file_helper.py`,
      call.op,
      inside.workspace,
      String(o.maxFileSizeBytes),
      String(o.diskQuotaBytes),
      call.relative ?? "",
      ...(call.extra ?? []),
    ];
    const stdin = typeof call.stdin === "number" ? call.stdin : call.stdin ? "pipe" : "ignore";
    const proc = await o.sandboxer.spawn({
      workspaceDir: wsDir,
      argv,
      stdio: [stdin, "pipe", "pipe"],
      cpuLimit: true,
    });
    const out = collect(proc.child.stdout, call.maxStdout);
    const err = collect(proc.child.stderr, STDERR_LIMIT);
    if (call.stdin instanceof Uint8Array && proc.child.stdin) {
      // the helper may stop reading early (quota, limit): a closed pipe is not our error
      proc.child.stdin.on("error", () => undefined);
      proc.child.stdin.end(call.stdin);
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void proc.kill();
    }, o.timeoutMs);
    const exit = await proc.exited;
    clearTimeout(timer);
    await proc.kill();
    if (timedOut) {
      throw new AppError(
        "SANDBOX_UNAVAILABLE",
        `file operation ${call.op} did not finish within ${o.timeoutMs} ms`,
      );
    }
    if (out.over) {
      throw new AppError("FILE_TOO_LARGE", `the ${call.op} result is over ${call.maxStdout} bytes`, {
        suggestion: "Read part of it with a shell command such as head or tail.",
      });
    }
    if (exit.code === 0) return Buffer.concat(out.chunks);
    const text = Buffer.concat(err.chunks).toString("utf8").trim();
    const last = text.slice(text.lastIndexOf("\n") + 1);
    if (exit.code === 3) {
      const parsed = parseError(last);
      if (parsed) throw parsed;
    }
    if (await proc.oomKilled()) {
      throw new AppError("SANDBOX_UNAVAILABLE", `file operation ${call.op} ran out of memory`);
    }
    throw new Error(
      `file helper ${call.op} failed (exit ${exit.code}, ${exit.signal}): ${text.slice(0, 500)}`,
    );
  }
}

function parseError(line: string): AppError | null {
  try {
    const v = JSON.parse(line) as { code?: unknown; message?: unknown };
    if (typeof v.code === "string" && KNOWN_CODES.has(v.code) && typeof v.message === "string") {
      return new AppError(v.code as ErrorCode, v.message, suggestionFor(v.code));
    }
  } catch {
    // not our JSON line
  }
  return null;
}

function suggestionFor(code: string): { suggestion?: string } {
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
