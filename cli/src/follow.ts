/**
 * `task logs --follow`: polls task_logs from an offset, printing only new lines, until the
 * task has finished and all its output is collected; then reads its final status. Polling
 * goes through the same MCP session, so it also follows a task in an unnamed workspace
 * started by the same command (`task start --follow`).
 */

import { taskLogs, taskStatus } from "../../src/mcp/schemas/tasks.ts";
import type { LogPage } from "../../src/tasks/types.ts";
import { type Called, call, type ToolClient } from "./client.ts";
import type { Io } from "./io.ts";
import { printLogPage } from "./log-output.ts";
import { finalNote, taskExitCode } from "./task-view.ts";

/** Between polls while the task runs and has no new output. */
export const POLL_MS = 500;
const PAGE_LINES = 1000;

export interface FollowOptions {
  offset: number;
  stream?: "stdout" | "stderr" | undefined;
  /** One JSON object per line: each log page, then the final status. */
  json: boolean;
}

/** Follows the task to its end and returns its exit status (see taskExitCode). */
export async function followTask(
  io: Io,
  client: ToolClient,
  taskId: string,
  options: FollowOptions,
): Promise<number> {
  let offset = options.offset;
  for (;;) {
    const page: Called<LogPage> = await call(client, taskLogs, {
      task_id: taskId,
      offset,
      limit: PAGE_LINES,
      ...(options.stream ? { stream: options.stream } : {}),
    });
    if (options.json) {
      if (page.value.lines.length > 0 || page.value.dropped)
        io.stdout(`${JSON.stringify(page.structured)}\n`);
    } else {
      printLogPage(io, page.value);
    }
    offset = page.value.next_offset;
    if (page.value.complete && !page.value.more) break;
    if (!page.value.more) await io.sleep(POLL_MS);
  }
  const final = await call(client, taskStatus, { task_id: taskId });
  if (options.json) io.stdout(`${JSON.stringify(final.structured)}\n`);
  else io.stderr(finalNote(final.value));
  return taskExitCode(final.value);
}
