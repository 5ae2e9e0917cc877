/**
 * Persistent JavaScript context for the codemode sandbox host; runs inside the sandbox.
 * Protocol: one JSON request per line on fd 0, one JSON response per line on fd 3.
 * fd 1 and 2 are files the host reads after each run. The host has already stripped
 * TypeScript and rewritten top-level declarations (see host/src/contexts/js-prepare.ts),
 * so code runs in this process's own global scope and variables persist between runs.
 */
import { createReadStream, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { inspect } from "node:util";
import vm from "node:vm";

interface Request {
  code: string;
  /** Characters allowed for the result, the error message and the traceback each. */
  limit?: number;
  mode: "script" | "async";
  hasValue?: boolean;
  env?: Record<string, string>;
}

const RESPONSE_FD = 3;
const stringify = JSON.stringify;
const driverFile = import.meta.filename;
let cell = 0;

function send(obj: unknown): void {
  const data = Buffer.from(`${stringify(obj)}\n`);
  let off = 0;
  while (off < data.length) off += writeSync(RESPONSE_FD, data, off);
}

/** Head and tail of `text` within `limit` characters (the host caps again). */
function cap(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const half = Math.floor(limit / 2);
  return `${text.slice(0, half)}\n[... ${text.length - 2 * half} characters omitted ...]\n${text.slice(-half)}`;
}

function formatError(e: unknown, limit: number): { name: string; message: string; traceback: string[] } {
  if (e instanceof Error) {
    const lines = String(e.stack ?? `${e.name}: ${e.message}`)
      .split("\n")
      .filter((l) => !l.includes(driverFile) && !l.includes("node:internal") && !l.includes("node:vm"));
    return {
      name: cap(String(e.name), 256),
      message: cap(String(e.message), limit),
      traceback: cap(lines.join("\n"), limit).split("\n"),
    };
  }
  return { name: "Error", message: cap(`Uncaught ${inspect(e)}`, limit), traceback: [] };
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    (typeof v === "object" || typeof v === "function") &&
    v !== null &&
    typeof (v as { then?: unknown }).then === "function"
  );
}

async function run(req: Request): Promise<{ value: unknown; hasValue: boolean }> {
  cell++;
  const script = new vm.Script(req.code, {
    filename: `cell-${cell}.js`,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  let value: unknown = script.runInThisContext();
  if (isThenable(value)) value = await value;
  const hasValue = req.mode === "script" || req.hasValue === true;
  return { value, hasValue };
}

async function handle(req: Request): Promise<void> {
  Object.assign(process.env, req.env ?? {});
  const limit = req.limit ?? 65_536;
  try {
    const { value, hasValue } = await run(req);
    const result =
      hasValue && value !== undefined
        ? cap(inspect(value, { depth: 4, maxStringLength: 100_000 }), limit)
        : undefined;
    send(result === undefined ? { ok: true, images: [] } : { ok: true, result, images: [] });
  } catch (e) {
    let error: ReturnType<typeof formatError>;
    try {
      error = formatError(e, limit);
    } catch {
      error = { name: "Error", message: "an error that cannot be printed", traceback: [] };
    }
    send({ ok: false, error, images: [] });
  }
}

const globals = globalThis as Record<string, unknown>;
globals.require = createRequire("/workspace/");
process.on("unhandledRejection", (reason) => {
  process.stderr.write(`Unhandled promise rejection: ${inspect(reason)}\n`);
});
process.on("uncaughtException", (error) => {
  process.stderr.write(`Uncaught exception: ${inspect(error)}\n`);
});

const queue: Request[] = [];
let busy = false;
async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  for (let req = queue.shift(); req !== undefined; req = queue.shift()) await handle(req);
  busy = false;
}

const lines = createInterface({
  input: createReadStream("", { fd: 0 }),
  crlfDelay: Number.POSITIVE_INFINITY,
});
lines.on("line", (line) => {
  queue.push(JSON.parse(line) as Request);
  void drain();
});
lines.on("close", () => process.exit(0));
send({ ready: true, pid: process.pid });
