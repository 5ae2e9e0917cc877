/**
 * Tasks: how soon a started task's first output line can be read (start_task → the first
 * line in task_logs, polled as fast as the client can), how long start_task itself takes,
 * and what one poll costs while a task runs — MCP `tasks/get` beside the task_status tool.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import type { BenchModule } from "./lib.ts";
import { sample, summary } from "./lib.ts";

const RUNS = 15;

async function tool<T>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
  return result.structuredContent as T;
}

/** Starts a task that prints at once, then reads task_logs until the line is there. */
async function firstLine(client: Client): Promise<{ start: number; firstLine: number }> {
  const t0 = performance.now();
  const { task_id } = await tool<{ task_id: string }>(client, "start_task", {
    command: "echo first; sleep 30",
  });
  const started = performance.now() - t0;
  for (;;) {
    const page = await tool<{ lines: unknown[] }>(client, "task_logs", { task_id, offset: 0 });
    if (page.lines.length > 0) break;
  }
  const seen = performance.now() - t0;
  await tool(client, "cancel_task", { task_id });
  return { start: started, firstLine: seen };
}

export const tasksBench: BenchModule = async (stack) => {
  const client = await stack.connect(stack.tokens.alice, { workspace: "bench-tasks" });
  await firstLine(client); // warm-up: workspace, sandbox and session
  const starts: number[] = [];
  const lines: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await firstLine(client);
    starts.push(r.start);
    lines.push(r.firstLine);
  }

  // A running MCP task to poll.
  let taskId = "";
  for await (const m of client.experimental.tasks.callToolStream(
    { name: "execute_code", arguments: { code: "sleep 60", language: "bash" } },
    CallToolResultSchema,
    { task: {} },
  )) {
    if (m.type === "taskCreated") {
      taskId = m.task.taskId;
      break;
    }
  }
  const tasksGet = await sample(60, () => client.experimental.tasks.getTask(taskId), 5);
  const statusTool = await sample(60, () => tool(client, "task_status", { task_id: taskId }), 5);
  await client.experimental.tasks.cancelTask(taskId);

  return [
    { name: "start_task call (returns a running task)", value: summary(starts) },
    {
      name: "start_task → first log line in task_logs",
      value: summary(lines),
      note: "includes the start_task call; task_logs refreshes from the sandbox when its last look is > 100 ms old",
    },
    { name: "MCP tasks/get on a running task", value: summary(tasksGet) },
    { name: "task_status tool on a running task", value: summary(statusTool) },
  ];
};
