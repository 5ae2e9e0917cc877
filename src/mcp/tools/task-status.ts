/** task_status: a task's state, exit code, times and last output lines. */
import type { ToolDeps } from "../deps.ts";
import { taskStatus } from "../schemas/tasks.ts";
import { defineTool } from "../tool-kit.ts";

export const taskStatusTool = defineTool<ToolDeps>()({
  ...taskStatus,
  title: "Task status",
  description:
    "Get a task's state (queued, running, completed, failed, cancelled, timed_out or lost), exit code, start and end times, duration, the last lines of its output and, for a parent task, how many of its children are in each state. A task whose sandbox restarted reads lost rather than running. For the full output use task_logs.",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async (args, deps) => ({ structured: await deps.tasks.status(args.task_id) }),
});
