/** Shared by `task start` and `task resume`: report the new task, then maybe follow it. */

import type { StartedTask } from "../../src/mcp/schemas/tasks.ts";
import type { Called, ToolClient } from "./client.ts";
import { printJson } from "./command.ts";
import { followTask } from "./follow.ts";
import type { Io } from "./io.ts";
import { formatStarted } from "./task-view.ts";

export async function reportStarted(
  io: Io,
  client: ToolClient,
  started: Called<StartedTask>,
  options: { json: boolean; follow: boolean },
): Promise<number> {
  const id = started.value.task_id;
  if (!options.follow) {
    if (options.json) printJson(io, started.structured);
    else {
      io.stdout(`${id}\n`);
      io.stderr(formatStarted(started.value, false));
    }
    return 0;
  }
  // Following prints JSON lines, so the start result is one line too.
  if (options.json) io.stdout(`${JSON.stringify(started.structured)}\n`);
  else io.stderr(formatStarted(started.value, true));
  return followTask(io, client, id, { offset: 0, json: options.json });
}
