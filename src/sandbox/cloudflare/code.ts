/**
 * `runCode` for the Cloudflare backend: one interpreter context per language per
 * workspace, its id registered in the Sandbox Durable Object's storage.
 *
 * The container keeps contexts in memory only, so they vanish when it sleeps or
 * restarts, while the registry does not. A registered id the container no longer knows
 * therefore means "lost": a new context is created, the code runs there and the
 * outcome says `contextReset: true`. A run that exceeds its time limit gets its
 * context deleted (which kills the interpreter process) but stays registered, so the
 * next run reports the reset the same way.
 */
import type { CodeContext, ExecutionResult } from "@cloudflare/sandbox";
import type { Language, RunCodeOptions, RunCodeOutcome } from "../backend.ts";
import { normalizeRun } from "./code-results.ts";
import { bounded, TIMED_OUT, withDeadline } from "./deadline.ts";
import { readRemoteError, sdkCodeOf } from "./errors.ts";
import { executorPidPath, executorPidSetup, killExecutorCommand } from "./executor-pid.ts";
import { prepareJsCell } from "./js-cells.ts";
import { liveOutputPath, liveOutputSetup } from "./live-output.ts";
import { applyOutputBudget } from "./output-files.ts";
import { WORKSPACE_ROOT } from "./paths.ts";
import type { AdapterSettings, SandboxApi } from "./types.ts";

type CodeLanguage = Exclude<Language, "bash">;

export async function runCodeIn(
  sandbox: SandboxApi,
  code: string,
  language: CodeLanguage,
  options: RunCodeOptions,
  settings: AdapterSettings,
): Promise<RunCodeOutcome> {
  const started = Date.now();
  const call = <T>(what: string, p: Promise<T>) => bounded(what, p, settings.callTimeoutMs);
  if (language !== "python") code = prepareJsCell(code, language);

  if (options.resetContext) await forgetContext(sandbox, language, settings);

  let contextReset = false;
  let contextId = await call("look up the code context", sandbox.getCodeContextId(language));
  if (contextId === null) contextId = await createContext(sandbox, language, settings);

  let run = await attempt(sandbox, contextId, code, language, options);
  if (run.kind === "lost") {
    contextReset = true;
    contextId = await createContext(sandbox, language, settings);
    run = await attempt(sandbox, contextId, code, language, options);
  }
  if (run.kind === "lost") throw run.error;

  if (run.kind === "timeout") {
    const partial = language === "python" ? await readLiveOutput(sandbox, contextId, settings) : "";
    // Kill the interpreter: a timed-out run keeps executing otherwise (the SDK
    // does not stop it). The id stays registered so the next run reports the reset.
    if (language !== "python") {
      const kill = sandbox.exec(killExecutorCommand(executorPidPath(contextId)), { origin: "internal" });
      await withDeadline(kill, settings.callTimeoutMs).catch(() => undefined);
    }
    await withDeadline(sandbox.deleteCodeContext(contextId), settings.callTimeoutMs).catch(() => undefined);
    const budget = await applyOutputBudget(
      { sandbox, deadlineMs: settings.callTimeoutMs },
      { stdout: partial, stderr: "" },
      options.outputLimitBytes,
    );
    return {
      success: false,
      ...budget,
      error: {
        name: "TimeoutError",
        message: `Execution exceeded ${options.timeoutMs} ms and was stopped; the ${language} context was discarded.`,
        traceback: [],
      },
      images: [],
      terminated: "timeout",
      contextReset,
      durationMs: Date.now() - started,
    };
  }

  const normalized = normalizeRun(run.result, language);
  const budget = await applyOutputBudget(
    { sandbox, deadlineMs: settings.callTimeoutMs },
    { stdout: normalized.stdout, stderr: normalized.stderr },
    options.outputLimitBytes,
  );
  return {
    success: normalized.error === undefined,
    ...budget,
    ...(normalized.error ? { error: normalized.error } : {}),
    ...(normalized.result !== undefined ? { result: normalized.result } : {}),
    images: normalized.images,
    contextReset,
    durationMs: Date.now() - started,
  };
}

async function readLiveOutput(
  sandbox: SandboxApi,
  contextId: string,
  settings: AdapterSettings,
): Promise<string> {
  try {
    const file = await withDeadline(
      sandbox.readFile(liveOutputPath(contextId), { encoding: "utf-8" }),
      settings.callTimeoutMs,
    );
    return file === TIMED_OUT ? "" : file.content;
  } catch {
    return "";
  }
}

type Attempt =
  | { kind: "ok"; result: ExecutionResult }
  | { kind: "timeout" }
  | { kind: "lost"; error: unknown };

async function attempt(
  sandbox: SandboxApi,
  contextId: string,
  code: string,
  language: CodeLanguage,
  options: RunCodeOptions,
): Promise<Attempt> {
  try {
    // The SDK (0.12.10) does not pass `timeout` on to the interpreter, so the
    // deadline here is the only limit on a run.
    const result = await withDeadline(
      sandbox.runCode(code, {
        context: contextRef(contextId, language),
        language,
        timeout: options.timeoutMs,
        ...(options.env ? { envVars: options.env } : {}),
      }),
      options.timeoutMs,
    );
    return result === TIMED_OUT ? { kind: "timeout" } : { kind: "ok", result };
  } catch (error) {
    if (isContextLost(error)) return { kind: "lost", error };
    throw error;
  }
}

/**
 * The container says the context is unknown, or its interpreter process has died, or
 * the container itself was replaced under the run (it stopped or crashed): the SDK then
 * reports OPERATION_INTERRUPTED with reason `runtime_replaced`. Running the cell again in
 * a new context is safe then, since nothing of the old container (files included) is left.
 */
export function isContextLost(error: unknown): boolean {
  const code = sdkCodeOf(error);
  if (code === "CONTEXT_NOT_FOUND" || readRemoteError(error).name === "ContextNotFoundError") return true;
  const reason = (error as { errorResponse?: { context?: { reason?: unknown } } } | null)?.errorResponse
    ?.context?.reason;
  if (code === "OPERATION_INTERRUPTED" && reason === "runtime_replaced") return true;
  return /executor has terminated|context .* not found/i.test(readRemoteError(error).message);
}

async function createContext(
  sandbox: SandboxApi,
  language: CodeLanguage,
  settings: AdapterSettings,
): Promise<string> {
  const context = await bounded(
    `create a ${language} context`,
    sandbox.createCodeContext({ language, cwd: WORKSPACE_ROOT }),
    // Starting an interpreter can take a while on a cold container.
    settings.callTimeoutMs * 2,
  );
  // Best effort: without the hooks a timed-out Python run just reports no output, and a
  // timed-out JS/TS run's executor is only stopped when the container is.
  const setup = sandbox.runCode(
    language === "python"
      ? liveOutputSetup(liveOutputPath(context.id))
      : executorPidSetup(executorPidPath(context.id)),
    { context: contextRef(context.id, language), language },
  );
  await withDeadline(setup, settings.callTimeoutMs).catch(() => undefined);
  await bounded(
    "register the code context",
    sandbox.setCodeContextId(language, context.id),
    settings.callTimeoutMs,
  );
  return context.id;
}

/** Deletes the language's context (if any) and forgets it, so no reset is reported. */
export async function forgetContext(
  sandbox: SandboxApi,
  language: CodeLanguage,
  settings: AdapterSettings,
): Promise<void> {
  const id = await bounded(
    "look up the code context",
    sandbox.getCodeContextId(language),
    settings.callTimeoutMs,
  );
  if (id === null) return;
  await withDeadline(sandbox.deleteCodeContext(id), settings.callTimeoutMs).catch(() => undefined);
  await bounded("forget the code context", sandbox.setCodeContextId(language, null), settings.callTimeoutMs);
}

/** runCode only reads the id, but the type wants a whole context. */
function contextRef(id: string, language: CodeLanguage): CodeContext {
  const now = new Date();
  return { id, language, cwd: WORKSPACE_ROOT, createdAt: now, lastUsed: now };
}
