/** What start_task and resume_task share: starting a run as a task. */
import { newTaskId } from "../../tasks/ids.ts";
import { checkMetadata, launchFor, type RunRequest, taskTimeoutMs } from "../../tasks/launch.ts";
import type { TaskMetadata, TaskOrigin } from "../../tasks/types.ts";
import type { ToolDeps } from "../deps.ts";
import type { StartedTask } from "../schemas/tasks.ts";

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
): Promise<StartedTask> {
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
