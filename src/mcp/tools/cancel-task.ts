/** cancel_task: stops a task and every unfinished task below it. */
import type { ToolDeps } from "../deps.ts";
import { cancelTask } from "../schemas/tasks.ts";
import { defineTool } from "../tool-kit.ts";

export const cancelTaskTool = defineTool<ToolDeps>()({
  ...cancelTask,
  title: "Cancel a task",
  description:
    "Stop a queued or running task: its whole process tree is killed and it ends as cancelled. Its unfinished child tasks (parent_task_id) are cancelled too. Output produced so far stays readable with task_logs. Cancelling a task that already finished is an error.",
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  handler: async (args, deps) => ({ structured: await deps.tasks.cancel(args.task_id) }),
});
