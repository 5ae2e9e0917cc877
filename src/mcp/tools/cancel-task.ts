import { z } from "zod";
import { TaskStatus } from "../../tasks/types.ts";
import type { ToolDeps } from "../deps.ts";
import { defineTool } from "../tool-kit.ts";
import { taskId } from "./task-common.ts";

const input = z.object({ task_id: taskId });

export const cancelTaskTool = defineTool<ToolDeps>()({
  name: "cancel_task",
  title: "Cancel a task",
  description:
    "Stop a queued or running task: its whole process tree is killed and it ends as cancelled. Its unfinished child tasks (parent_task_id) are cancelled too. Output produced so far stays readable with task_logs. Cancelling a task that already finished is an error.",
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  input,
  output: TaskStatus,
  handler: async (args, deps) => ({ structured: await deps.tasks.cancel(args.task_id) }),
});
