/**
 * Runs a JavaScript program in a fresh Worker Loader isolate through
 * `@cloudflare/codemode`'s `DynamicWorkerExecutor`.
 *
 * - No network: `globalOutbound: null` makes fetch()/connect() throw; the isolate gets
 *   no env bindings, so nothing of the Worker's configuration is reachable from it.
 * - `codemode.<server>.<tool>(input)` is a prelude-defined proxy over one host function,
 *   `call(server, tool, input)`, carried over Workers RPC by the executor.
 * - Time: the host waits `timeoutMs` and then reports the run as `TIMED_OUT` — a code,
 *   so nothing the program prints or throws can pass for a timeout. The executor's own
 *   in-isolate race is set a grace period later, as a backstop; the isolate also gets a
 *   CPU limit (stops tight loops where deployed) and every loop and function checks the
 *   deadline (stops them in `wrangler dev`, see loop-guard.ts). A run that ends with an
 *   error after its deadline is a timeout, whichever mechanism stopped it. Once the run has settled, host calls are refused with
 *   `RUN_ENDED`, so a program cannot keep using tools after its result.
 */
import { DynamicWorkerExecutor, type ExecuteResult } from "@cloudflare/codemode";
import { AppError } from "../errors/app-error.ts";
import type { ErrorCode } from "../errors/codes.ts";
import { guardLoops, loopGuard } from "./loop-guard.ts";

export type HostCall = (server: string, tool: string, input: unknown) => Promise<unknown>;

export interface IsolateRunOptions {
  loader: WorkerLoader;
  servers: string[];
  call: HostCall;
  timeoutMs: number;
}

/** How much later than the host's deadline the executor's own timeout fires. */
const BACKSTOP_GRACE_MS = 2_000;

/** The executor's result, with a code when the host stopped the run. */
export interface IsolateOutcome extends ExecuteResult {
  /** `TIMED_OUT` when the run hit `timeoutMs`; absent when the program settled itself. */
  errorCode?: ErrorCode;
}

function prelude(servers: string[], guard: string): string {
  const namespaces = servers.map((s) => `    codemode[${JSON.stringify(s)}] = __ns(${JSON.stringify(s)});`);
  return [
    // `then`/`toJSON` stay undefined (so `await` and JSON.stringify treat a namespace as a
    // plain object), and `String(codemode.x)` names it instead of calling a tool.
    "    const __ns = (server) => new Proxy({}, { get: (_, tool) => {",
    '      if (typeof tool !== "string" || tool === "then" || tool === "toJSON") return undefined;',
    '      if (tool === "toString" || tool === "valueOf") return () => "[codemode." + server + "]";',
    "      return (input) => codemode.__call(server, tool, input);",
    "    } });",
    ...namespaces,
    "    console.info = console.log; console.debug = console.log;",
    guard,
  ].join("\n");
}

/** Wraps the loader so each isolate gets a CPU limit the in-isolate timer cannot provide. */
function limitedLoader(loader: WorkerLoader, cpuMs: number): WorkerLoader {
  return {
    load: (code) => loader.load({ ...code, limits: { ...code.limits, cpuMs } }),
    get: (name, getCode) =>
      loader.get(name, async () => {
        const code = await getCode();
        return { ...code, limits: { ...code.limits, cpuMs } };
      }),
  };
}

export async function runInIsolate(code: string, options: IsolateRunOptions): Promise<IsolateOutcome> {
  let open = true;
  const deadline = Date.now() + options.timeoutMs;
  const guard = loopGuard(deadline, options.timeoutMs);
  const executor = new DynamicWorkerExecutor({
    loader: limitedLoader(options.loader, options.timeoutMs),
    timeout: options.timeoutMs + BACKSTOP_GRACE_MS,
    globalOutbound: null,
  });
  const call = async (...args: unknown[]) => {
    if (!open) throw new AppError("RUN_ENDED", "This run has ended; tool calls are no longer accepted.");
    const [server, tool, input] = args;
    if (typeof server !== "string" || typeof tool !== "string") throw new Error("invalid tool reference");
    return options.call(server, tool, input);
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut: IsolateOutcome = {
    result: undefined,
    error: `Execution timed out after ${options.timeoutMs} ms`,
    errorCode: "TIMED_OUT",
  };
  const hostTimeout = new Promise<IsolateOutcome>((resolve) => {
    timer = setTimeout(() => resolve(timedOut), options.timeoutMs);
  });
  try {
    const outcome: IsolateOutcome = await Promise.race([
      executor.execute(guardLoops(code, guard.name), [
        { name: "codemode", fns: { __call: call }, prelude: prelude(options.servers, guard.prelude) },
      ]),
      hostTimeout,
    ]);
    // A loop stopped by its deadline check (or the CPU limit) settles as an error while
    // this thread was blocked, possibly before the timer above had a chance to fire.
    if (outcome.error !== undefined && outcome.errorCode === undefined && Date.now() >= deadline) {
      return { ...timedOut, logs: outcome.logs ?? [] };
    }
    return outcome;
  } catch (error) {
    // The executor reports program failures in the result; a throw is an infrastructure fault.
    return { result: undefined, error: error instanceof Error ? error.message : String(error) };
  } finally {
    open = false;
    clearTimeout(timer);
  }
}
