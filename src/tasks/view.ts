/**
 * What callers see of a stored task: the `TaskView` built from a row, and the
 * TASK_NOT_FOUND error for an id this workspace does not hold. Both are pure; the
 * service and the follower share them.
 */
import { AppError } from "../errors/app-error.ts";
import { parseMetadata, type TaskRow } from "./store.ts";
import type { TaskView } from "./types.ts";

/** Longer commands (inline code, long pipelines) are cut in views; the row keeps them whole. */
const COMMAND_DISPLAY_CHARS = 300;

export function notFound(id: string): AppError {
  return new AppError("TASK_NOT_FOUND", `No task ${id.slice(0, 40)} in this workspace.`, {
    suggestion:
      "Task ids belong to one workspace and principal. Use list_tasks to see this workspace's tasks; connect with the same ?workspace= to reach tasks started in an earlier session.",
  });
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** The task as tools and RPCs return it; `now` times a task that is still running. */
export function toView(row: TaskRow, now: number): TaskView {
  const end = row.ended_at ?? (row.started_at === null ? null : now);
  return {
    task_id: row.id,
    name: row.name,
    state: row.state,
    origin: row.origin,
    language: row.language,
    command:
      row.command.length > COMMAND_DISPLAY_CHARS
        ? `${row.command.slice(0, COMMAND_DISPLAY_CHARS)}…`
        : row.command,
    parent_task_id: row.parent_id,
    resumed_from: row.resumed_from,
    metadata: parseMetadata(row.metadata),
    exit_code: row.exit_code,
    reason: row.reason,
    timeout_seconds: row.timeout_ms / 1000,
    created_at: iso(row.created_at) as string,
    started_at: iso(row.started_at),
    ended_at: iso(row.ended_at),
    updated_at: iso(row.updated_at) as string,
    duration_ms: row.started_at === null || end === null ? null : Math.max(0, end - row.started_at),
    log: { lines: row.line_count, stored_bytes: row.stored_bytes, dropped_lines: row.dropped_lines },
  };
}
