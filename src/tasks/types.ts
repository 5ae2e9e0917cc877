/**
 * Task vocabulary shared by the workspace Durable Object (which owns task data), the task
 * tools, the MCP task store and the `/tasks/<id>/events` stream. Zod schemas are the
 * source of truth; tool output schemas are built from them.
 */
import { z } from "zod";
import { Language } from "../shared/sandbox-schema.ts";

/**
 * Lifecycle of a task. `queued` → `running` → one terminal state. `lost` means the
 * sandbox no longer knows the process (it restarted, was reset or stayed unreachable);
 * it is how a task avoids reading `running` forever.
 */
export const TaskState = z.enum([
  "queued",
  "running",
  "completed",
  "failed",
  "cancelled",
  "timed_out",
  "lost",
]);
export type TaskState = z.infer<typeof TaskState>;

export const TERMINAL_STATES: readonly TaskState[] = [
  "completed",
  "failed",
  "cancelled",
  "timed_out",
  "lost",
];
export const ACTIVE_STATES: readonly TaskState[] = ["queued", "running"];

export function isTerminal(state: TaskState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** What created the task; decides the shape of its MCP `tasks/result`. */
export const TaskOrigin = z.enum(["start_task", "resume_task", "execute_code", "run_file"]);
export type TaskOrigin = z.infer<typeof TaskOrigin>;

export const LogStream = z.enum(["stdout", "stderr"]);
export type LogStream = z.infer<typeof LogStream>;

export const TaskMetadata = z.record(z.string(), z.unknown());
export type TaskMetadata = z.infer<typeof TaskMetadata>;

export const ChildCounts = z
  .object({
    total: z.number().int(),
    queued: z.number().int(),
    running: z.number().int(),
    completed: z.number().int(),
    failed: z.number().int(),
    cancelled: z.number().int(),
    timed_out: z.number().int(),
    lost: z.number().int(),
  })
  .describe("this task's direct children, counted by state");
export type ChildCounts = z.infer<typeof ChildCounts>;

export const LogInfo = z.object({
  lines: z.number().int().describe("lines of output so far (also the next offset for task_logs)"),
  stored_bytes: z.number().int(),
  dropped_lines: z.number().int().describe("oldest lines dropped to keep the log under its size limit"),
});
export type LogInfo = z.infer<typeof LogInfo>;

/** One task as every reader sees it. Times are ISO 8601. */
export const TaskView = z.object({
  task_id: z.string(),
  name: z.string().nullable(),
  state: TaskState,
  origin: TaskOrigin,
  language: Language.nullable().describe("language of the code, when the task runs code"),
  command: z.string().describe("what runs in the sandbox (abbreviated when long)"),
  parent_task_id: z.string().nullable(),
  resumed_from: z.string().nullable().describe("the finished task this one follows up"),
  metadata: TaskMetadata.nullable(),
  exit_code: z.number().int().nullable(),
  reason: z.string().nullable().describe("why the task failed, was cancelled, timed out or was lost"),
  timeout_seconds: z.number(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  ended_at: z.string().nullable(),
  updated_at: z.string(),
  duration_ms: z.number().nullable().describe("running time so far, or in total once finished"),
  log: LogInfo,
});
export type TaskView = z.infer<typeof TaskView>;

export const TaskStatus = TaskView.extend({
  tail: z.array(z.string()).describe("the last lines of output (stderr lines start with '[stderr] ')"),
  children: ChildCounts,
});
export type TaskStatus = z.infer<typeof TaskStatus>;

export const LogLine = z.object({
  n: z.number().int().describe("line number; pass n+1 as offset to continue"),
  stream: LogStream,
  text: z.string(),
});
export type LogLine = z.infer<typeof LogLine>;

export const LogPage = z.object({
  task_id: z.string(),
  state: TaskState,
  offset: z.number().int(),
  next_offset: z.number().int().describe("pass as offset to get only newer lines"),
  lines: z.array(LogLine),
  dropped: z
    .object({ lines: z.number().int(), bytes: z.number().int() })
    .nullable()
    .describe("older output that was dropped before `offset` could be served"),
  more: z.boolean().describe("more stored lines follow; call again with next_offset"),
  complete: z.boolean().describe("the task has finished and every line has been collected"),
});
export type LogPage = z.infer<typeof LogPage>;

export const TaskPage = z.object({
  tasks: z.array(TaskView),
  next_cursor: z.string().nullable().describe("pass as cursor for the next (older) page"),
});
export type TaskPage = z.infer<typeof TaskPage>;

/** What a new task runs: a shell command, optionally after writing a script file. */
export interface TaskLaunch {
  command: string;
  /** Written to this workspace path before the command starts. */
  script?: { path: string; content: string };
  /**
   * Settings that replace the queued task's own. MCP task-augmented calls create the task
   * before the tool has read its arguments, so they arrive with the launch.
   */
  settings?: { timeoutMs: number; language: Language | null; name: string | null };
}

/** Everything the workspace needs to create a task row (the launch may come later). */
export interface TaskSpec {
  id: string;
  origin: TaskOrigin;
  name: string | null;
  language: Language | null;
  parentId: string | null;
  resumedFrom: string | null;
  metadata: TaskMetadata | null;
  timeoutMs: number;
}

export interface ListFilter {
  state?: TaskState | undefined;
  parentId?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface LogRange {
  offset: number;
  limit: number;
  stream?: LogStream | undefined;
}

/** An MCP task's stored `tasks/result` and status, when the SDK recorded one itself. */
export interface McpOutcome {
  status: "completed" | "failed";
  result: string;
}

/** A task's whole output, joined per stream; head and tail kept beyond the cap. */
export interface TaskOutput {
  stdout: string;
  stderr: string;
  truncated: { stdout: boolean; stderr: boolean };
}
