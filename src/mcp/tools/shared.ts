/** What the run tools share: timeout handling and building a run's result (src/mcp/schemas/run.ts). */
import type { Config } from "../../config/config.ts";
import { AppError } from "../../errors/app-error.ts";
import { pruneSpillFiles } from "../../sandbox/spill-files.ts";
import type { ExecOutcome } from "../../shared/sandbox-schema.ts";
import type { ToolDeps } from "../deps.ts";
import type { Diagnostics } from "../schemas/run.ts";

/** Resolves a requested timeout against the configured default and maximum. */
export function resolveTimeoutMs(requested: number | undefined, config: Config): number {
  const seconds = requested ?? config.DEFAULT_TIMEOUT_SECONDS;
  if (seconds > config.MAX_TIMEOUT_SECONDS) {
    throw new AppError(
      "TIMEOUT_TOO_LARGE",
      `timeout_seconds=${seconds} exceeds this server's maximum of ${config.MAX_TIMEOUT_SECONDS} seconds.`,
      { suggestion: "Use a smaller timeout, or start_task for long-running work." },
    );
  }
  return Math.round(seconds * 1000);
}

export function terminationDiagnostics(
  terminated: ExecOutcome["terminated"],
  timeoutMs: number,
): Diagnostics | undefined {
  switch (terminated) {
    case "timeout":
      return {
        error_type: "TIMEOUT",
        timeout_seconds: timeoutMs / 1000,
        message: `Execution timed out after ${timeoutMs / 1000} s; the process tree was killed.`,
      };
    case "memory":
      return {
        error_type: "MEMORY_LIMIT",
        message: "The run exceeded the sandbox memory limit and was killed.",
      };
    case "killed":
      return { error_type: "KILLED", message: "The run was killed." };
    case undefined:
      return undefined;
  }
}

/** Maps an exec outcome (bash, run_file) to the common result fields. */
export function execResult(outcome: ExecOutcome, timeoutMs: number) {
  const diagnostics =
    terminationDiagnostics(outcome.terminated, timeoutMs) ??
    (outcome.exitCode === 0
      ? null
      : { error_type: "NONZERO_EXIT" as const, message: `Exit code ${outcome.exitCode}` });
  return {
    success: outcome.exitCode === 0 && !outcome.terminated,
    stdout: outcome.stdout,
    stderr: outcome.stderr,
    exit_code: outcome.exitCode,
    duration_ms: outcome.durationMs,
    truncated: outcome.truncated,
    full_output: outcome.fullOutput,
    diagnostics,
    ...(outcome.workspaceRestored ? { workspace_restored: outcome.workspaceRestored } : {}),
  };
}

/**
 * After a run that saved its full output, prunes older spill files (in the sandbox, with
 * its rights) so they cannot fill the workspace. Best effort: the run's result stands.
 */
export async function pruneAfterSpill(
  deps: Pick<ToolDeps, "sandbox" | "workspace" | "config">,
  fullOutput: { stdout?: string; stderr?: string },
): Promise<void> {
  const keep = [fullOutput.stdout, fullOutput.stderr].filter((p): p is string => p !== undefined);
  if (keep.length === 0) return;
  const limits = {
    maxAgeSeconds: deps.config.OUTPUT_RETENTION_SECONDS,
    maxBytes: deps.config.OUTPUT_MAX_BYTES,
  };
  await pruneSpillFiles(deps.sandbox, deps.workspace.ref, limits, keep).catch(() => null);
}
