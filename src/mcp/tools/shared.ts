/** Pieces several tools share: timeout handling and the shape of a run's result. */
import { z } from "zod";
import { CodemodeCall } from "../../codemode/calls.ts";
import type { Config } from "../../config/config.ts";
import { AppError } from "../../errors/app-error.ts";
import { CodeError, type ExecOutcome, FullOutput, Truncation } from "../../shared/sandbox-schema.ts";

export const timeoutSeconds = z
  .number()
  .positive()
  .optional()
  .describe("Kill the run after this many seconds (default 30; the server's maximum applies).");

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

export const Diagnostics = z
  .object({
    error_type: z.enum(["TIMEOUT", "MEMORY_LIMIT", "KILLED", "EXCEPTION", "NONZERO_EXIT"]).optional(),
    timeout_seconds: z.number().optional(),
    message: z.string().optional(),
    codemode_calls: z
      .array(CodemodeCall)
      .optional()
      .describe("upstream tool calls the program made (code mode), in order"),
  })
  .nullable();
export type Diagnostics = z.infer<typeof Diagnostics>;

/** Fields common to every run result (execute_code, run_file). */
export const RunResultFields = {
  success: z.boolean().describe("true when the code finished without error and exit code 0"),
  stdout: z.string(),
  stderr: z.string(),
  exit_code: z
    .number()
    .int()
    .nullable()
    .describe("process exit code; null for in-context runs or when killed"),
  error: CodeError.optional().describe("the exception raised by the code, if any"),
  duration_ms: z.number(),
  truncated: Truncation,
  full_output: FullOutput.describe("where the complete output was saved when a stream was capped"),
  diagnostics: Diagnostics,
};

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
  };
}
