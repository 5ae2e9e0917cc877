/** task_logs: a page of a task's output lines, by offset. */
import type { ToolDeps } from "../deps.ts";
import { taskLogs } from "../schemas/tasks.ts";
import { defineTool } from "../tool-kit.ts";

export const taskLogsTool = defineTool<ToolDeps>()({
  ...taskLogs,
  title: "Task output",
  description:
    "Read a task's output lines, while it runs and after it ends. Lines are numbered from 0; pass the returned next_offset as offset to get only what is new since the last call. Each task keeps its most recent output (about 1 MB); when older lines were dropped the result says so. complete is true once the task has finished and all output has been collected.",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async (args, deps) => {
    const page = await deps.tasks.logs(args.task_id, {
      offset: args.offset,
      limit: args.limit,
      stream: args.stream,
    });
    const text: string[] = [];
    if (page.dropped) {
      text.push(
        `[... ${page.dropped.lines} earlier lines (${page.dropped.bytes} bytes) were dropped: log size limit ...]`,
      );
    }
    for (const line of page.lines) text.push(line.stream === "stderr" ? `[stderr] ${line.text}` : line.text);
    text.push(
      `[task ${page.state}; next_offset ${page.next_offset}${page.more ? "; more lines follow" : ""}${page.complete ? "; output complete" : ""}]`,
    );
    return { structured: page, content: [{ type: "text", text: text.join("\n") }] };
  },
});
