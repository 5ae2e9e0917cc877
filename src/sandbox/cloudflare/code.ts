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
import { bounded, TIMED_OUT, withDeadline } from "./deadline.ts";
import { readRemoteError, sdkCodeOf } from "./errors.ts";
import { applyOutputBudget } from "./output-files.ts";
import { WORKSPACE_ROOT } from "./paths.ts";
import type { AdapterSettings, SandboxApi } from "./types.ts";

type CodeLanguage = Exclude<Language, "bash">;

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, "g");

export async function runCodeIn(
  sandbox: SandboxApi,
  code: string,
  language: CodeLanguage,
  options: RunCodeOptions,
  settings: AdapterSettings,
): Promise<RunCodeOutcome> {
  const started = Date.now();
  const call = <T>(what: string, p: Promise<T>) => bounded(what, p, settings.callTimeoutMs);

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
    // Kill the interpreter: a timed-out run keeps executing otherwise (the SDK
    // does not stop it). The id stays registered so the next run reports the reset.
    await withDeadline(sandbox.deleteCodeContext(contextId), settings.callTimeoutMs).catch(() => undefined);
    const budget = await applyOutputBudget(null, { stdout: "", stderr: "" }, options.outputLimitBytes);
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

  const result = run.result;
  const budget = await applyOutputBudget(
    { sandbox, deadlineMs: settings.callTimeoutMs },
    { stdout: result.logs.stdout.join(""), stderr: result.logs.stderr.join("") },
    options.outputLimitBytes,
  );
  const { images, text } = mapResults(result.results);
  return {
    success: result.error === undefined,
    ...budget,
    ...(result.error
      ? {
          error: {
            name: result.error.name,
            message: result.error.message.replace(ANSI, ""),
            traceback: result.error.traceback.map((line) => line.replace(ANSI, "")),
          },
        }
      : {}),
    ...(text !== undefined ? { result: text } : {}),
    images,
    contextReset,
    durationMs: Date.now() - started,
  };
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

/** The container says the context is unknown, or its interpreter process has died. */
export function isContextLost(error: unknown): boolean {
  const code = sdkCodeOf(error);
  if (code === "CONTEXT_NOT_FOUND" || readRemoteError(error).name === "ContextNotFoundError") return true;
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

function mapResults(results: ExecutionResult["results"]): {
  images: RunCodeOutcome["images"];
  text?: string;
} {
  const images: RunCodeOutcome["images"] = [];
  const texts: string[] = [];
  for (const r of results) {
    if (r.png) images.push({ mimeType: "image/png", data: r.png });
    else if (r.jpeg) images.push({ mimeType: "image/jpeg", data: r.jpeg });
    else if (r.svg) images.push({ mimeType: "image/svg+xml", data: base64Utf8(r.svg) });
    // A figure's text is only its repr ("<Figure size ...>"); keep text of plain values.
    else if (typeof r.text === "string") texts.push(r.text);
  }
  return texts.length > 0 ? { images, text: texts.join("\n") } : { images };
}

function base64Utf8(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
