/**
 * Runs Python in the workspace sandbox with a `codemode` module wired to the upstream
 * tools: open a run in the workspace Durable Object (per-run token), install the
 * generated module in the persistent context with a setup cell, run the user's code
 * with the run's channel open, then close the run so any later call is refused.
 */
import { AppError } from "../../errors/app-error.ts";
import type { RunCodeOptions, RunCodeOutcome, SandboxBackend, WorkspaceRef } from "../../sandbox/backend.ts";
import type { CodemodeCall } from "../calls.ts";
import { installCell, type PythonChannel, pythonModuleSource } from "./module.ts";
import type { OpenedRun, OpenRunOptions } from "./types.ts";
import { VIRTUAL_HOST } from "./wire.ts";

/**
 * The workspace Durable Object as the runner uses it: its id and two of its code-mode
 * verbs (the session passes the workspace client's `codemode` area).
 */
export interface CodemodeRunHost {
  /** The workspace Durable Object's id (hex): callbacks are addressed to it. */
  readonly id: string;
  openRun(options: OpenRunOptions): Promise<OpenedRun>;
  closeRun(runId: string): Promise<CodemodeCall[]>;
}

export interface PythonRunDeps {
  sandbox: SandboxBackend;
  ws: WorkspaceRef;
  workspace: CodemodeRunHost;
  /** Local backend: the Worker's base URL as the sandbox host reaches it. */
  callbackBase?: string;
}

export interface PythonRunResult {
  outcome: RunCodeOutcome;
  calls: CodemodeCall[];
}

/** The setup cell is tiny; this bounds it independently of the user's timeout. */
const SETUP_TIMEOUT_MS = 30_000;

function channelFor(deps: PythonRunDeps, runId: string): { channel: PythonChannel; callbackUrl: string } {
  if (deps.sandbox.kind === "cloudflare") {
    const url = `http://${VIRTUAL_HOST}/v1/${deps.workspace.id}/${runId}`;
    return { channel: { kind: "http", url }, callbackUrl: url };
  }
  if (!deps.callbackBase) {
    throw new AppError("CONFIG_INVALID", "Python code mode needs the Worker's URL for callbacks.", {
      suggestion: "Set CODEMODE_CALLBACK_URL to the Worker's base URL as the sandbox host can reach it.",
    });
  }
  const base = deps.callbackBase.replace(/\/+$/, "");
  return {
    channel: { kind: "unix", path: `/workspace/.codemode-${runId}.sock` },
    callbackUrl: `${base}/internal/codemode/${deps.workspace.id}/${runId}`,
  };
}

export async function runPythonWithCodemode(
  deps: PythonRunDeps,
  code: string,
  options: RunCodeOptions,
): Promise<PythonRunResult> {
  const run = await deps.workspace.openRun({ timeoutMs: options.timeoutMs });
  let outcome: RunCodeOutcome;
  let calls: CodemodeCall[] = [];
  try {
    outcome = await runWithModule(deps, run, code, options);
  } finally {
    // Closed before returning: nothing the program left behind can call after this.
    calls = await deps.workspace.closeRun(run.runId);
  }
  return { outcome, calls };
}

async function runWithModule(
  deps: PythonRunDeps,
  run: OpenedRun,
  code: string,
  options: RunCodeOptions,
): Promise<RunCodeOutcome> {
  const { channel, callbackUrl } = channelFor(deps, run.runId);
  const source = pythonModuleSource({
    tools: run.tools,
    channel,
    token: run.token,
    callTimeoutSeconds: Math.max(1, Math.ceil(options.timeoutMs / 1000)),
  });
  const setup = await deps.sandbox.runCode(deps.ws, installCell(source), "python", {
    timeoutMs: Math.min(SETUP_TIMEOUT_MS, options.timeoutMs),
    outputLimitBytes: options.outputLimitBytes,
    ...(options.resetContext ? { resetContext: true } : {}),
  });
  if (!setup.success) return setup;
  const { resetContext: _reset, ...rest } = options;
  const outcome = await deps.sandbox.runCode(deps.ws, code, "python", {
    ...rest,
    codemode: { runId: run.runId, callbackUrl },
  });
  return { ...outcome, contextReset: outcome.contextReset || setup.contextReset };
}
