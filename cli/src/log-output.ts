/** Task output in the terminal: stdout lines on stdout, stderr lines on stderr. */

import type { LogPage } from "../../src/tasks/types.ts";
import type { Io } from "./io.ts";

export function printLogPage(io: Io, page: LogPage): void {
  if (page.dropped) {
    io.stderr(
      `[${page.dropped.lines} earlier lines (${page.dropped.bytes} bytes) were dropped: log size limit]\n`,
    );
  }
  for (const line of page.lines) {
    if (line.stream === "stderr") io.stderr(`${line.text}\n`);
    else io.stdout(`${line.text}\n`);
  }
}
