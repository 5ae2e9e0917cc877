/**
 * MCP tasks as spec 2025-11-25 prescribes them, tried as a new user would: the errors a
 * task-augmented call gets for a tool that forbids tasks, an unknown tool or invalid
 * arguments; a failing program's result; the first status; a ttl that does not drift;
 * and the JSON-RPC error for a plain call of an unknown tool.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type Stack, startStack } from "../helpers/stack.ts";

let stack: Stack;
let c: Client;
beforeAll(async () => {
  stack = await startStack();
  c = await stack.connect(stack.tokens.alice, { workspace: "tasks-2025-spec" });
});
afterAll(async () => {
  await stack?.stop();
});

const Any = z.looseObject({});
const Task = z.looseObject({
  task: z.object({ taskId: z.string(), status: z.string(), ttl: z.number().nullable() }),
});

/** A tools/call with the 2025-11-25 `task` field; resolves to the JSON-RPC error it got. */
async function taskCallError(name: string, args: Record<string, unknown>): Promise<McpError> {
  try {
    await c.request({ method: "tools/call", params: { name, arguments: args, task: { ttl: 60_000 } } }, Any);
  } catch (error) {
    if (error instanceof McpError) return error;
    throw error;
  }
  throw new Error(`${name}: expected a JSON-RPC error`);
}

async function startTask(name: string, args: Record<string, unknown>) {
  const created = await c.request(
    { method: "tools/call", params: { name, arguments: args, task: { ttl: 60_000 } } },
    Task,
  );
  return created.task;
}

async function settled(taskId: string) {
  for (let i = 0; i < 120; i++) {
    const task = await c.request({ method: "tasks/get", params: { taskId } }, Any);
    if (task.status !== "working") return task;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`task ${taskId} did not finish`);
}

describe("2025-11-25 tasks as the spec says", () => {
  it("a task-augmented call to a tool that forbids tasks is -32601", async () => {
    const error = await taskCallError("write_file", { path: "a.txt", content: "x" });
    expect(error.code).toBe(-32601);
    expect(error.message).toContain("write_file");
  });

  it("a task-augmented call to an unknown tool, or with invalid arguments, is -32602 naming the cause", async () => {
    const unknown = await taskCallError("no_such_tool", {});
    expect(unknown.code).toBe(-32602);
    expect(unknown.message).toContain("no_such_tool");
    const invalid = await taskCallError("execute_code", { language: "cobol", code: "x" });
    expect(invalid.code).toBe(-32602);
    expect(invalid.message).toContain("language");
    for (const e of [unknown, invalid]) expect(e.message).not.toMatch(/MCP error -\d+:.*MCP error -\d+:/);
  });

  it("a plain tools/call of an unknown tool is a JSON-RPC -32602 error", async () => {
    const error = await c.callTool({ name: "no_such_tool", arguments: {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32602);
    expect((error as McpError).message).not.toMatch(/MCP error -\d+:.*MCP error -\d+:/);
  });

  it("a task whose program exits non-zero starts working and ends with an isError result", async () => {
    const task = await startTask("execute_code", { language: "bash", code: "echo bad >&2; exit 4" });
    expect(task.status).toBe("working");
    const end = await settled(task.taskId);
    expect(end.status).toBe("failed");
    // The ttl is fixed when the task is created.
    expect(end.ttl).toBe(task.ttl);
    const result = await c.request({ method: "tasks/result", params: { taskId: task.taskId } }, Any);
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ success: false, exit_code: 4 });
  });

  it("a task that cannot start begins working and ends with an isError result saying why", async () => {
    const task = await startTask("run_file", { path: "missing.py" });
    expect(task.status).toBe("working");
    const end = await settled(task.taskId);
    expect(end.status).toBe("failed");
    const result = await c.request({ method: "tasks/result", params: { taskId: task.taskId } }, Any);
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain("missing.py");
  });
});
