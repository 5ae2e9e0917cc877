/** start_task: starts code, a command or a file as a background task. */
import type { ToolDeps } from "../deps.ts";
import { startTask } from "../schemas/tasks.ts";
import { defineTool } from "../tool-kit.ts";
import { startRun } from "./task-common.ts";

export const startTaskTool = defineTool<ToolDeps>()({
  ...startTask,
  title: "Start a background task",
  description:
    "Start long-running work in this workspace and return at once with a task_id. Give exactly one of: code with a language (python, javascript, typescript, bash), a shell command, or the path of a workspace file (with args). The task runs as a separate process for up to timeout_seconds (default 1 hour), keeps running after this call and after the session ends, and sees the same /workspace files. Follow it with task_status and task_logs, stop it with cancel_task, and list it with list_tasks. Use parent_task_id to group child tasks under an orchestrating task. Prefer this over execute_code for anything that may take more than a minute.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  handler: async (args, deps) => {
    const started = await startRun(deps, args, "start_task");
    const text = `Started task ${started.task_id} (${started.state}). Poll task_status / task_logs with this id; events stream at ${started.events_path}.`;
    return {
      structured: started,
      content: [
        { type: "text", text },
        { type: "text", text: JSON.stringify(started, null, 2) },
      ],
    };
  },
});
