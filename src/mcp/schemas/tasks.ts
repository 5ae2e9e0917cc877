/**
 * Schemas of the task tools: start_task, resume_task, task_status, list_tasks, task_logs
 * and cancel_task. Task views, pages and logs are the task store's own objects
 * (src/tasks/types.ts).
 */
import { z } from "zod";
import { Language } from "../../shared/sandbox-schema.ts";
import {
  LogPage,
  LogStream,
  TaskMetadata,
  TaskPage,
  TaskState,
  TaskStatus,
  TaskView,
} from "../../tasks/types.ts";
import { toolContract } from "./contract.ts";

export const taskId = z
  .string()
  .min(1)
  .max(100)
  .describe("The task's id, as start_task or list_tasks returned it");

/** What to run: exactly one of code, command or path. */
export const runFields = {
  code: z.string().min(1).optional().describe("A program to run; needs language"),
  language: Language.optional().describe("Language of code: python, javascript, typescript or bash"),
  command: z.string().min(1).optional().describe("A shell command line, run with bash in /workspace"),
  path: z.string().min(1).optional().describe("A workspace file to run by extension, like run_file"),
  args: z.array(z.string()).max(256).optional().describe("Arguments for path"),
};

export const taskOptionFields = {
  timeout_seconds: z
    .number()
    .positive()
    .optional()
    .describe("Kill the task after this many seconds (default 1 hour; the server's task maximum applies)"),
  name: z.string().min(1).max(200).optional().describe("A label to recognise the task by"),
  metadata: TaskMetadata.optional().describe("Free-form JSON kept with the task (at most 16 KiB)"),
};

/** What start_task and resume_task return. */
export const StartedTask = TaskView.extend({
  workspace: z.string().describe("the workspace the task runs in"),
  events_path: z
    .string()
    .describe("GET this path (with the same bearer token) for a server-sent event stream of the task"),
});
export type StartedTask = z.infer<typeof StartedTask>;

export const StartTaskInput = z.object({
  ...runFields,
  ...taskOptionFields,
  parent_task_id: taskId.optional().describe("Link this task under a parent (an orchestrating task)"),
});
export type StartTaskInput = z.infer<typeof StartTaskInput>;

export const startTask = toolContract("start_task", StartTaskInput, StartedTask);

export const ResumeTaskInput = z.object({
  task_id: taskId.describe("The finished task to follow up"),
  ...runFields,
  ...taskOptionFields,
});
export type ResumeTaskInput = z.infer<typeof ResumeTaskInput>;

export const resumeTask = toolContract("resume_task", ResumeTaskInput, StartedTask);

/** The argument of the tools that act on one task. */
export const TaskIdInput = z.object({ task_id: taskId });
export type TaskIdInput = z.infer<typeof TaskIdInput>;

export const taskStatus = toolContract("task_status", TaskIdInput, TaskStatus);

export const cancelTask = toolContract("cancel_task", TaskIdInput, TaskStatus);

export const ListTasksInput = z.object({
  state: TaskState.optional().describe("Only tasks in this state"),
  parent_task_id: taskId.optional().describe("Only the children of this task"),
  limit: z.number().int().min(1).max(100).default(20).describe("Tasks per page (1–100, default 20)"),
  cursor: z.string().max(200).optional().describe("next_cursor from the previous page"),
});
export type ListTasksInput = z.infer<typeof ListTasksInput>;

export const listTasks = toolContract("list_tasks", ListTasksInput, TaskPage);

export const TaskLogsInput = z.object({
  task_id: taskId,
  offset: z.number().int().min(0).default(0).describe("First line to return (0 = from the start)"),
  limit: z
    .number()
    .int()
    .min(1)
    .max(2000)
    .default(200)
    .describe("Lines to return at most (1–2000, default 200)"),
  stream: LogStream.optional().describe("Only stdout or only stderr (line numbers stay the same)"),
});
export type TaskLogsInput = z.infer<typeof TaskLogsInput>;

export const taskLogs = toolContract("task_logs", TaskLogsInput, LogPage);
