/**
 * Zod schemas for what sandboxes return. Shared by the Worker, the local sandbox host
 * (as its wire format) and the tools' output schemas, so the three never drift.
 */
import { z } from "zod";

export const Language = z.enum(["python", "javascript", "typescript", "bash"]);
export type Language = z.infer<typeof Language>;

export const Truncation = z.object({
  stdout: z.boolean().describe("stdout exceeded the output cap; head and tail were kept"),
  stderr: z.boolean().describe("stderr exceeded the output cap; head and tail were kept"),
});
export type Truncation = z.infer<typeof Truncation>;

export const FullOutput = z.object({
  stdout: z.string().optional().describe("workspace path of the complete stdout, when truncated"),
  stderr: z.string().optional().describe("workspace path of the complete stderr, when truncated"),
});
export type FullOutput = z.infer<typeof FullOutput>;

/** Why a run did not finish on its own. */
export const Termination = z.enum(["timeout", "memory", "killed"]);
export type Termination = z.infer<typeof Termination>;

/**
 * Told once, with the first run after the sandbox started again (container sleep or
 * restart, host restart): the files are back (or were kept), interpreter memory is not.
 */
export const WorkspaceRestored = z.object({
  at: z.string().describe("when the sandbox started again with the workspace's files (ISO time)"),
  files: z.number().int().describe("files in the workspace"),
  bytes: z.number().int().describe("their total size"),
  saved_at: z
    .string()
    .nullable()
    .describe("when the files were saved (changes after that were lost); null when they never left the disk"),
  memory_reset: z.literal(true).describe("variables, imports and running processes are gone"),
  note: z.string(),
});
export type WorkspaceRestored = z.infer<typeof WorkspaceRestored>;

export const ExecOutcome = z.object({
  exitCode: z.number().int().nullable().describe("null when the process was killed by a signal"),
  stdout: z.string(),
  stderr: z.string(),
  truncated: Truncation,
  fullOutput: FullOutput,
  terminated: Termination.optional(),
  durationMs: z.number(),
  workspaceRestored: WorkspaceRestored.optional(),
});
export type ExecOutcome = z.infer<typeof ExecOutcome>;

export const CodeError = z.object({
  name: z.string(),
  message: z.string(),
  traceback: z.array(z.string()),
});
export type CodeError = z.infer<typeof CodeError>;

export const Image = z.object({
  mimeType: z.string(),
  data: z.string().describe("base64"),
});
export type Image = z.infer<typeof Image>;

export const RunCodeOutcome = z.object({
  success: z.boolean(),
  stdout: z.string(),
  stderr: z.string(),
  truncated: Truncation,
  fullOutput: FullOutput,
  error: CodeError.optional(),
  /** Text representation of the value of a trailing expression, if any. */
  result: z.string().optional(),
  images: z.array(Image),
  terminated: Termination.optional(),
  /** The persistent context was lost (timeout, crash, limit) and a new one was created. */
  contextReset: z.boolean(),
  durationMs: z.number(),
  workspaceRestored: WorkspaceRestored.optional(),
});
export type RunCodeOutcome = z.infer<typeof RunCodeOutcome>;

export const FileEntry = z.object({
  path: z.string().describe("workspace path, e.g. /workspace/data/a.csv"),
  type: z.enum(["file", "directory", "symlink", "other"]),
  size: z.number().int(),
  modifiedAt: z.string().describe("ISO 8601"),
});
export type FileEntry = z.infer<typeof FileEntry>;

export const FileStat = FileEntry;
export type FileStat = FileEntry;

export const ProcessState = z.enum(["running", "exited", "killed", "timed_out"]);
export type ProcessState = z.infer<typeof ProcessState>;

export const ProcessInfo = z.object({
  id: z.string(),
  state: ProcessState,
  exitCode: z.number().int().nullable(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
});
export type ProcessInfo = z.infer<typeof ProcessInfo>;

export const ProcessLogs = z.object({
  stdout: z.string(),
  stderr: z.string(),
  /** Offsets to pass next time (bytes already returned, per stream). */
  stdoutOffset: z.number().int(),
  stderrOffset: z.number().int(),
});
export type ProcessLogs = z.infer<typeof ProcessLogs>;
