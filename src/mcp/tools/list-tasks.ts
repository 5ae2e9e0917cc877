import { z } from "zod";
import { TaskPage, TaskState } from "../../tasks/types.ts";
import type { ToolDeps } from "../deps.ts";
import { defineTool } from "../tool-kit.ts";
import { taskId } from "./task-common.ts";

const input = z.object({
  state: TaskState.optional().describe("Only tasks in this state"),
  parent_task_id: taskId.optional().describe("Only the children of this task"),
  limit: z.number().int().min(1).max(100).default(20).describe("Tasks per page (1–100, default 20)"),
  cursor: z.string().max(200).optional().describe("next_cursor from the previous page"),
});

export const listTasksTool = defineTool<ToolDeps>()({
  name: "list_tasks",
  title: "List tasks",
  description:
    "List this workspace's tasks, newest first, including those started in earlier sessions on the same workspace. Filter by state or by parent_task_id (a parent's children). Pages: pass next_cursor as cursor to get older tasks; next_cursor is null on the last page.",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input,
  output: TaskPage,
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
