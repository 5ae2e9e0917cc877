/** resume_task: a follow-up run in the same workspace after a finished task. */
import type { ToolDeps } from "../deps.ts";
import { resumeTask } from "../schemas/tasks.ts";
import { defineTool } from "../tool-kit.ts";
import { startRun } from "./task-common.ts";

export const resumeTaskTool = defineTool<ToolDeps>()({
  ...resumeTask,
  title: "Resume a finished task",
  description:
    "Start a follow-up task after a finished one (completed, failed, cancelled, timed_out or lost): it runs in the same workspace, so it sees every file the first task wrote, and is linked to it by resumed_from (and to the same parent). Give code with a language (defaults to the original task's language), a command, or a path. Refused while the original is still queued or running.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  handler: async (args, deps) => {
    const { task_id, ...run } = args;
    // Fails with TASK_NOT_FOUND for ids outside this workspace; the workspace re-checks
    // that the original has finished when it creates the follow-up.
    const original = await deps.tasks.status(task_id);
    const language = run.language ?? (run.code !== undefined ? (original.language ?? undefined) : undefined);
    const started = await startRun(
      deps,
      { ...run, language, parent_task_id: original.parent_task_id ?? undefined },
      "resume_task",
      task_id,
    );
    return { structured: started };
  },
});
