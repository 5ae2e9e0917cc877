/** How tasks look in the terminal, and what a finished task means as an exit status. */

import type { StartedTask } from "../../src/mcp/schemas/tasks.ts";
import type { TaskStatus, TaskView } from "../../src/tasks/types.ts";
import { EXIT } from "./errors.ts";
import { firstLine, formatDuration, keyValues, table } from "./format.ts";

export function formatStatus(task: TaskStatus): string {
  const counts = task.children;
  const children =
    counts.total === 0
      ? undefined
      : `${counts.total}: ${(
          ["queued", "running", "completed", "failed", "cancelled", "timed_out", "lost"] as const
        )
          .filter((state) => counts[state] > 0)
          .map((state) => `${counts[state]} ${state}`)
          .join(", ")}`;
  const head = keyValues([
    ["task", task.task_id],
    ["name", task.name ?? undefined],
    ["state", stateText(task)],
    ["reason", task.reason ?? undefined],
    ["runs", firstLine(task.command, 100)],
    ["language", task.language ?? undefined],
    ["parent", task.parent_task_id ?? undefined],
    ["resumed from", task.resumed_from ?? undefined],
    ["created", task.created_at],
    ["started", task.started_at ?? undefined],
    ["ended", task.ended_at ?? undefined],
    ["duration", formatDuration(task.duration_ms)],
    [
      "output",
      `${task.log.lines} lines${task.log.dropped_lines > 0 ? ` (${task.log.dropped_lines} oldest dropped)` : ""}`,
    ],
    ["children", children],
  ]);
  const tail = task.tail.length > 0 ? `\nlast output:\n${task.tail.map((l) => `  ${l}`).join("\n")}` : "";
  return `${head}${tail}\n`;
}

export function formatTaskList(tasks: readonly TaskView[]): string {
  if (tasks.length === 0) return "(no tasks)\n";
  const rows = tasks.map((t) => [
    t.task_id,
    t.state,
    t.created_at.replace(/\.\d+Z$/, "Z"),
    t.name ?? firstLine(t.command),
  ]);
  return `${table([["ID", "STATE", "CREATED", "NAME / COMMAND"], ...rows])}\n`;
}

/**
 * The note `task start` and `task resume` print on stderr (the id alone goes to stdout):
 * where the task runs and how to follow it.
 */
export function formatStarted(task: StartedTask, following: boolean): string {
  const lines = [`Started task ${task.task_id} (${task.state}) in workspace ${task.workspace}.`];
  if (following) {
    // The output follows.
  } else if (!task.workspace.startsWith("~")) {
    lines.push(`Follow it: codemode-mcp -w ${task.workspace} task logs ${task.task_id} --follow`);
  } else {
    lines.push(
      "The workspace is unnamed, so later commands cannot reach this task: use --follow, or name a workspace with --workspace.",
    );
  }
  return `${lines.join("\n")}\n`;
}

function stateText(task: { state: string; exit_code: number | null }): string {
  return task.exit_code === null ? task.state : `${task.state} (exit code ${task.exit_code})`;
}

/**
 * A finished task as an exit status, like `exec`: its own exit code when it failed with
 * one, 124 when it timed out, 1 for any other failure.
 */
export function taskExitCode(task: { state: string; exit_code: number | null }): number {
  switch (task.state) {
    case "completed":
      return EXIT.OK;
    case "timed_out":
      return EXIT.TIMEOUT;
    case "failed":
      return task.exit_code !== null && task.exit_code !== 0 ? task.exit_code : EXIT.FAILURE;
    default:
      return EXIT.FAILURE;
  }
}

/** One line for stderr when a followed task ends. */
export function finalNote(task: TaskStatus): string {
  const parts = [`task ${task.task_id} ${stateText(task)}`];
  const duration = formatDuration(task.duration_ms);
  if (duration) parts.push(duration);
  if (task.reason) parts.push(task.reason);
  return `[${parts.join("; ")}]\n`;
}
