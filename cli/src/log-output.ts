/** Task output in the terminal: stdout lines on stdout, stderr lines on stderr. */
import type { z } from "zod";
import type { Io } from "./io.ts";
import type { taskLogs } from "./schemas.ts";

export type LogPageValue = z.infer<(typeof taskLogs)["output"]>;

export function printLogPage(io: Io, page: LogPageValue): void {
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
