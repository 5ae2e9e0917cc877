/** list_tasks: the workspace's tasks, filtered and paged. */
import type { ToolDeps } from "../deps.ts";
import { listTasks } from "../schemas/tasks.ts";
import { defineTool } from "../tool-kit.ts";

export const listTasksTool = defineTool<ToolDeps>()({
  ...listTasks,
  title: "List tasks",
  description:
    "List this workspace's tasks, newest first, including those started in earlier sessions on the same workspace. Filter by state or by parent_task_id (a parent's children). Pages: pass next_cursor as cursor to get older tasks; next_cursor is null on the last page.",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async (args, deps) => {
    const page = await deps.tasks.list({
      state: args.state,
      parentId: args.parent_task_id,
      limit: args.limit,
      cursor: args.cursor,
    });
    const lines = page.tasks.map(
      (t) =>
        `${t.task_id}  ${t.state.padEnd(9)}  ${t.created_at}  ${t.name ?? t.command.split("\n")[0]?.slice(0, 60)}`,
    );
    if (page.next_cursor) lines.push(`next_cursor: ${page.next_cursor}`);
    return {
      structured: page,
      content: [{ type: "text", text: lines.join("\n") || "(no tasks)" }],
    };
  },
});
