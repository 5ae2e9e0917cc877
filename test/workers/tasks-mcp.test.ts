/**
 * MCP tasks (spec 2025-11-25) for execute_code and run_file, through the official client:
 * task-augmented tools/call, tasks/get polling, tasks/result, tasks/list, tasks/cancel;
 * plus execute_code's soft timeout (background_after_seconds).
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  CallToolResultSchema,
  LoggingMessageNotificationSchema,
  TaskStatusNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { ALICE, BOB, connect } from "./helpers.ts";
import { realRuntime } from "./sandbox-cloudflare-setup.ts";
import { call, finished, freshName, start, status, waitFor } from "./tasks-helpers.ts";

// Real containers: a first start takes seconds on a busy machine.
const SLOW = 60_000;

/** Sends a task-augmented tools/call and returns the created task's id. */
async function callAsTask(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  for await (const message of client.experimental.tasks.callToolStream(
    { name, arguments: args },
    CallToolResultSchema,
    { task: { ttl: 60_000 } },
  )) {
    if (message.type === "taskCreated") return message.task.taskId;
    if (message.type === "error") throw message.error;
  }
  throw new Error("no task was created");
}

async function pollUntilTerminal(client: Client, taskId: string) {
  for (let i = 0; i < 100; i++) {
    const task = await client.experimental.tasks.getTask(taskId);
    if (["completed", "failed", "cancelled"].includes(task.status)) return { task };
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("task did not finish");
}

describe.skipIf(!realRuntime)("MCP tasks", { timeout: SLOW }, () => {
  it("declares task support on execute_code and run_file and the tasks capability", async () => {
    const { client } = await connect(ALICE);
    expect(client.getServerCapabilities()?.tasks).toMatchObject({
      list: {},
      cancel: {},
      requests: { tools: { call: {} } },
    });
    const { tools } = await client.listTools();
    const support = Object.fromEntries(tools.map((t) => [t.name, t.execution?.taskSupport]));
    expect(support.execute_code).toBe("optional");
    expect(support.run_file).toBe("optional");
    expect(support.start_task).toBe("forbidden");
    await client.close();
  });

  it("runs execute_code as a task: tasks/get polls, tasks/result returns the result", async () => {
    const { client } = await connect(ALICE, `?workspace=${freshName("mcp")}`);
    // The run waits for a file the test writes once it has seen the task working, so the
    // order holds however slow the machine is.
    const taskId = await callAsTask(client, "execute_code", {
      code: "echo first; until [ -e go ]; do sleep 0.1; done; echo second",
      language: "bash",
    });
    expect((await client.experimental.tasks.getTask(taskId)).status).toBe("working");
    await client.callTool({ name: "write_file", arguments: { path: "go", content: "" } });
    const { task } = await pollUntilTerminal(client, taskId);
    expect(task.status).toBe("completed");
    expect(task.pollInterval).toBe(1000);
    const result = await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      success: true,
      stdout: "first\nsecond",
      exit_code: 0,
      task: { task_id: taskId, state: "completed" },
    });
    // The same task through the task tools, and in tasks/list.
    expect((await status(client, taskId)).origin).toBe("execute_code");
    const listed = await client.experimental.tasks.listTasks();
    expect(listed.tasks.map((t) => t.taskId)).toContain(taskId);
    await client.close();
  });

  it("a plain call of a task-capable tool still runs inline and stores no task", async () => {
    const { client } = await connect(ALICE, `?workspace=${freshName("inline")}`);
    const result = await client.callTool({
      name: "execute_code",
      arguments: { code: "echo hi", language: "bash" },
    });
    expect(result.structuredContent).toMatchObject({ success: true, stdout: "hi\n" });
    expect((await client.experimental.tasks.listTasks()).tasks).toEqual([]);
    await client.close();
  });

  it("reports a run_file task that cannot start as failed, with the reason in tasks/result", async () => {
    const { client } = await connect(ALICE, `?workspace=${freshName("nofile")}`);
    const taskId = await callAsTask(client, "run_file", { path: "missing.py" });
    const { task } = await pollUntilTerminal(client, taskId);
    expect(task.status).toBe("failed");
    const result = await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain("FILE_NOT_FOUND");
    await client.close();
  });

  it("cancels with tasks/cancel and hides tasks from other principals", async () => {
    const name = freshName("mcpcancel");
    const { client } = await connect(ALICE, `?workspace=${name}`);
    const taskId = await callAsTask(client, "execute_code", { code: "sleep 60", language: "bash" });
    const cancelled = await client.experimental.tasks.cancelTask(taskId);
    expect(cancelled.status).toBe("cancelled");
    await expect(client.experimental.tasks.cancelTask(taskId)).rejects.toThrow(/terminal/);
    await expect(client.experimental.tasks.getTask("tunknown")).rejects.toThrow(/not found/i);
    await expect(client.experimental.tasks.listTasks("garbage")).rejects.toThrow(/cursor/i);

    const bob = await connect(BOB, `?workspace=${name}`);
    await expect(bob.client.experimental.tasks.getTask(taskId)).rejects.toThrow(/not found/i);
    expect((await bob.client.experimental.tasks.listTasks()).tasks).toEqual([]);
    await bob.client.close();
    await client.close();
  });
});

describe.skipIf(!realRuntime)("execute_code background_after_seconds", { timeout: SLOW }, () => {
  it("returns a quick run normally", async () => {
    const { client } = await connect(ALICE, `?workspace=${freshName("soft")}`);
    const out = await call<{ success: boolean; stdout: string; task: { backgrounded: boolean } }>(
      client,
      "execute_code",
      { code: "echo quick", language: "bash", background_after_seconds: 5 },
    );
    expect(out).toMatchObject({ success: true, stdout: "quick", task: { backgrounded: false } });
    await client.close();
  });

  it("turns a long run into a task and returns its output so far", async () => {
    const { client } = await connect(ALICE, `?workspace=${freshName("soft")}`);
    const progress: string[] = [];
    const result = await client.callTool(
      {
        name: "execute_code",
        arguments: { code: "echo begin; sleep 3; echo end", language: "bash", background_after_seconds: 1.5 },
      },
      CallToolResultSchema,
      { onprogress: (p) => progress.push(p.message ?? "") },
    );
    const out = result.structuredContent as {
      stdout: string;
      task: { task_id: string; backgrounded: boolean };
    };
    expect(out.task.backgrounded).toBe(true);
    expect(out.stdout).toBe("begin");
    expect(progress).toContain("begin");
    const done = await waitFor(client, out.task.task_id, finished);
    expect(done).toMatchObject({ state: "completed", tail: ["begin", "end"] });
    await client.close();
  });
});

describe.skipIf(!realRuntime)("task notifications", { timeout: SLOW }, () => {
  it("logs state changes of a started task and reports MCP task progress and status", async () => {
    const { client } = await connect(ALICE, `?workspace=${freshName("notify")}`);
    const logged: Array<{ state: string; task_id: string }> = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      if (n.params.logger === "tasks") logged.push(n.params.data as { state: string; task_id: string });
    });
    const statuses: string[] = [];
    client.setNotificationHandler(TaskStatusNotificationSchema, (n) => {
      statuses.push(n.params.status);
    });

    const t = await start(client, { command: "echo go; sleep 1; exit 1" });
    await waitFor(client, t.task_id, finished);

    const progress: number[] = [];
    let taskId = "";
    for await (const message of client.experimental.tasks.callToolStream(
      { name: "execute_code", arguments: { code: "echo a; sleep 1; echo b; sleep 1", language: "bash" } },
      CallToolResultSchema,
      { task: {}, onprogress: (p) => progress.push(p.progress) },
    )) {
      if (message.type === "taskCreated") taskId = message.task.taskId;
      if (message.type === "result" || message.type === "error") break;
    }
    // Notifications trail the state by up to a relay tick.
    const until = Date.now() + 5000;
    while (
      Date.now() < until &&
      !(statuses.includes("completed") && logged.some((l) => l.task_id === taskId && l.state === "completed"))
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const mine = logged.filter((l) => l.task_id === t.task_id).map((l) => l.state);
    expect(mine).toContain("failed");
    expect(statuses).toContain("completed");
    expect(progress.length).toBeGreaterThan(0);
    await client.close();
  });
});
