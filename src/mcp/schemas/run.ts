/** Schemas of the run tools, execute_code and run_file, and the result fields they share. */
import { z } from "zod";
import { CodemodeCall } from "../../codemode/calls.ts";
import {
  CodeError,
  FullOutput,
  Language,
  Truncation,
  WorkspaceRestored,
} from "../../shared/sandbox-schema.ts";
import { TaskState } from "../../tasks/types.ts";
import { toolContract } from "./contract.ts";

export const timeoutSeconds = z
  .number()
  .positive()
  .optional()
  .describe("Kill the run after this many seconds (default 30; the server's maximum applies).");

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
    .describe(
      "exit code: the process's own for bash and files; for code in a persistent context 0 on success and 1 for an uncaught exception; null when the run was killed (timeout, memory)",
    ),
  error: CodeError.optional().describe("the exception raised by the code, if any"),
  duration_ms: z.number(),
  truncated: Truncation,
  full_output: FullOutput.describe("where the complete output was saved when a stream was capped"),
  diagnostics: Diagnostics,
  workspace_restored: WorkspaceRestored.optional().describe(
    "present once, on the first run after the sandbox started again (container sleep or restart, host restart): the files are back, interpreter memory and processes are not",
  ),
};

export const ExecuteCodeInput = z.object({
  code: z.string().min(1).describe("The program to run."),
  language: Language.describe(
    "python, javascript and typescript run in a persistent context (variables and imports survive between calls, like a notebook); bash runs a fresh shell in /workspace.",
  ),
  timeout_seconds: timeoutSeconds,
  reset_context: z
    .boolean()
    .optional()
    .describe("Discard the language's persistent context (all variables) before running."),
  background_after_seconds: z
    .number()
    .positive()
    .optional()
    .describe(
      "Soft timeout: if the run takes longer than this, return the output so far and a task_id, and let it continue as a task (follow it with task_status / task_logs). Keep it under about 50 s: most clients give up on a call after 60 s. The code then runs as a separate process, without the persistent context, under the task time limit.",
    ),
});
export type ExecuteCodeInput = z.infer<typeof ExecuteCodeInput>;

export const ExecuteCodeOutput = z.object({
  ...RunResultFields,
  result: z.string().optional().describe("text form of the value of a trailing expression"),
  images: z.number().int().describe("number of images (plots) returned as image content"),
  context_reset: z
    .boolean()
    .describe("the persistent context was lost or reset and started fresh for this run"),
  task: z
    .object({
      task_id: z.string(),
      state: TaskState,
      backgrounded: z.boolean().describe("true when the run is still going as a task"),
    })
    .optional()
    .describe("present when the run was started as a task (background_after_seconds or an MCP task)"),
});
export type ExecuteCodeOutput = z.infer<typeof ExecuteCodeOutput>;

export const executeCode = toolContract("execute_code", ExecuteCodeInput, ExecuteCodeOutput);

export const RunFileInput = z.object({
  path: z.string().min(1).describe("Workspace file to run, e.g. analysis.py or /workspace/scripts/build.sh"),
  args: z.array(z.string()).max(256).optional().describe("Command-line arguments passed to the program"),
  timeout_seconds: timeoutSeconds,
});
export type RunFileInput = z.infer<typeof RunFileInput>;

export const RunFileOutput = z.object({ ...RunResultFields, path: z.string() });
export type RunFileOutput = z.infer<typeof RunFileOutput>;

export const runFile = toolContract("run_file", RunFileInput, RunFileOutput);
