import { z } from "zod";
import { TaskStatus } from "../../tasks/types.ts";
import type { ToolDeps } from "../deps.ts";
import { defineTool } from "../tool-kit.ts";
import { taskId } from "./task-common.ts";

const input = z.object({ task_id: taskId });

export const taskStatusTool = defineTool<ToolDeps>()({
  name: "task_status",
  title: "Task status",
  description:
    "Get a task's state (queued, running, completed, failed, cancelled, timed_out or lost), exit code, start and end times, duration, the last lines of its output and, for a parent task, how many of its children are in each state. A task whose sandbox restarted reads lost rather than running. For the full output use task_logs.",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input,
  output: TaskStatus,
  handler: async (args, deps) => ({ structured: await deps.tasks.status(args.task_id) }),
});
