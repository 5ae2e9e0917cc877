/** Pieces the task tools share: id input, the started-task result and starting a run. */
import { z } from "zod";
import { Language } from "../../shared/sandbox-schema.ts";
import { newTaskId } from "../../tasks/ids.ts";
import { checkMetadata, launchFor, type RunRequest, taskTimeoutMs } from "../../tasks/launch.ts";
import { TaskMetadata, type TaskOrigin, TaskView } from "../../tasks/types.ts";
import type { ToolDeps } from "../deps.ts";

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

export const StartedTask = TaskView.extend({
  workspace: z.string().describe("the workspace the task runs in"),
  events_path: z
    .string()
    .describe("GET this path (with the same bearer token) for a server-sent event stream of the task"),
});

export function eventsPath(id: string, workspace: string): string {
  return `/tasks/${id}/events?workspace=${encodeURIComponent(workspace)}`;
}

export interface StartOptions extends RunRequest {
  timeout_seconds?: number | undefined;
  name?: string | undefined;
  metadata?: TaskMetadata | undefined;
  parent_task_id?: string | undefined;
}

/** Validates a run request and starts it as a task in this session's workspace. */
export async function startRun(
  deps: ToolDeps,
  options: StartOptions,
  origin: TaskOrigin,
  resumedFrom: string | null = null,
): Promise<z.infer<typeof StartedTask>> {
  const id = newTaskId();
  const timeoutMs = taskTimeoutMs(options.timeout_seconds, deps.config);
  const metadata = checkMetadata(options.metadata);
  const { launch, language } = await launchFor(id, options, deps.sandbox, deps.workspace.ref);
  const view = await deps.tasks.start(
    {
      id,
      origin,
      name: options.name ?? null,
      language,
      parentId: options.parent_task_id ?? null,
      resumedFrom,
      metadata,
      timeoutMs,
    },
    launch,
  );
  const workspace = (await deps.workspace.info()).name;
  return { ...view, workspace, events_path: eventsPath(view.task_id, workspace) };
}
