/**
 * Issue 11's acceptance — MCP 2026-07-28 beside the 2025 sessions — against `wrangler dev`
 * and the real sandbox host: the SDK v2 client pinned to 2026-07-28, the Tasks extension
 * through `@modelcontextprotocol/ext-tasks`, the same tasks seen from a 2025 session,
 * idempotency keys, principals kept apart, and the spec's errors.
 */
import { execFileSync } from "node:child_process";
import { type Client, Client as ClientV2, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import type { Client as Client2025 } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TaskPage, TaskStatus } from "../../src/tasks/types.ts";
import {
  connect2026,
  exchange2026,
  mcpUrl,
  PROTOCOL_2026,
  rpc2026,
  TASKS_EXTENSION,
  taskSession,
} from "../helpers/client-2026.ts";
import { type Stack, startStack } from "../helpers/stack.ts";

let stack: Stack;
const clients: Client[] = [];
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await stack?.stop();
});

async function modern(token: string, workspace?: string): Promise<Client> {
  const client = await connect2026(stack.url, token, workspace);
  clients.push(client);
  return client;
}

interface ToolResult {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content?: Array<{ type: string; text?: string }>;
}

async function tool2025<T>(client: Client2025, name: string, args: Record<string, unknown>): Promise<T> {
  const result = await client.callTool({ name, arguments: args });
  expect(result.isError, `${name}: ${JSON.stringify(result.content)}`).toBeFalsy();
  return result.structuredContent as T;
}

function hostProcesses(marker: string): string[] {
  try {
    return execFileSync("pgrep", ["-f", marker], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("2026-07-28 at /mcp", () => {
  it("a client pinned to 2026-07-28 connects, lists the same tools as a 2025 session, runs execute_code", async () => {
    const client = await modern(stack.tokens.alice, "p26-basic");
    expect(client.getNegotiatedProtocolVersion()).toBe(PROTOCOL_2026);
    expect(client.getServerCapabilities()?.extensions).toHaveProperty([TASKS_EXTENSION]);

    const tools = (await client.listTools()).tools.map((t) => t.name);
    const session = await stack.connect(stack.tokens.alice, { workspace: "p26-basic" });
    expect(tools).toEqual((await session.listTools()).tools.map((t) => t.name));
    expect(tools).toContain("execute_code");

    const result = (await client.callTool({
      name: "execute_code",
      arguments: { language: "python", code: "x = 6 * 7\nprint(x)" },
    })) as ToolResult;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ success: true, stdout: "42\n" });
  });

  it("a negotiating client picks 2026-07-28; the same SDK in 2025 mode gets a session at the same URL", async () => {
    const headers = { Authorization: `Bearer ${stack.tokens.alice}` };
    const auto = new ClientV2({ name: "auto", version: "1.0.0" }, { versionNegotiation: { mode: "auto" } });
    await auto.connect(
      new StreamableHTTPClientTransport(mcpUrl(stack.url, "p26-auto"), { requestInit: { headers } }),
    );
    clients.push(auto);
    expect(auto.getNegotiatedProtocolVersion()).toBe(PROTOCOL_2026);

    const old = new ClientV2({ name: "old", version: "1.0.0" }, { versionNegotiation: { mode: "legacy" } });
    const transport = new StreamableHTTPClientTransport(mcpUrl(stack.url, "p26-auto"), {
      requestInit: { headers },
    });
    await old.connect(transport);
    clients.push(old);
    expect(old.getNegotiatedProtocolVersion()).toBe("2025-11-25");
    expect(transport.sessionId).toBeTruthy();
    const result = (await old.callTool({
      name: "execute_code",
      arguments: { language: "bash", code: "echo legacy" },
    })) as ToolResult;
    expect(result.structuredContent).toMatchObject({ stdout: "legacy\n" });
  });

  it("tools/list is the same on every request and carries a cache hint", async () => {
    const url = mcpUrl(stack.url, "p26-basic");
    const first = await rpc2026(url, stack.tokens.alice, "tools/list");
    const second = await rpc2026(url, stack.tokens.alice, "tools/list");
    const strip = (m: Record<string, unknown>) => JSON.stringify((m.result as { tools: unknown }).tools);
    expect(strip(first)).toBe(strip(second));
    expect(first.result).toMatchObject({ resultType: "complete", cacheScope: "private" });
    expect((first.result as { ttlMs: number }).ttlMs).toBeGreaterThan(0);
  });

  it("an unknown tool and invalid arguments are JSON-RPC -32602 errors naming the cause", async () => {
    const url = mcpUrl(stack.url, "p26-basic");
    const unknown = await rpc2026(url, stack.tokens.alice, "tools/call", {
      name: "no_such_tool",
      arguments: {},
    });
    expect(unknown.error).toMatchObject({ code: -32602 });
    expect(JSON.stringify(unknown.error)).toContain("no_such_tool");
    const invalid = await rpc2026(url, stack.tokens.alice, "tools/call", {
      name: "execute_code",
      arguments: { language: "cobol", code: "x" },
    });
    expect(invalid.error).toMatchObject({ code: -32602 });
    expect(JSON.stringify(invalid.error)).toContain("language");
  });

  it("a 2026-07-28 request naming an unsupported version gets the spec's error, not a 2025 session", async () => {
    const response = await rpc2026(mcpUrl(stack.url), stack.tokens.alice, "server/discover");
    expect(response.result).toMatchObject({ supportedVersions: [PROTOCOL_2026] });
    const url = mcpUrl(stack.url);
    const bad = await fetch(url, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${stack.tokens.alice}`,
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
        "MCP-Protocol-Version": "2099-01-01",
        "Mcp-Method": "tools/list",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/list",
        params: {
          _meta: {
            "io.modelcontextprotocol/protocolVersion": "2099-01-01",
            "io.modelcontextprotocol/clientCapabilities": {},
          },
        },
      }),
    });
    const body = (await bad.json()) as { error?: { code: number } };
    expect(body.error?.code).toBe(-32022);
  });
});

describe("the Tasks extension", () => {
  it("a 20 s execute_code runs as a task: working while it runs, seen from a 2025 session, result after", async () => {
    const workspace = "p26-tasks";
    const client = await modern(stack.tokens.alice, workspace);
    const url = mcpUrl(stack.url, workspace);
    const session = taskSession(client, url, stack.tokens.alice);
    try {
      const execution = await session.callTool("execute_code", {
        language: "python",
        code: "import time\nfor i in range(20):\n    print(f'tick {i}', flush=True)\n    time.sleep(1)\n",
        timeout_seconds: 120,
      });
      expect(execution.kind).toBe("task");
      if (execution.kind !== "task") return;
      const taskId = execution.handle.taskId;

      await sleep(2000);
      const running = await session.task(taskId).snapshot();
      expect(running.status).toBe("working");

      // The same task row: a 2025 session on the same workspace lists it and reads its state.
      const legacy = await stack.connect(stack.tokens.alice, { workspace });
      const page = await tool2025<TaskPage>(legacy, "list_tasks", {});
      expect(page.tasks.map((t) => t.task_id)).toContain(taskId);
      expect(await tool2025<TaskStatus>(legacy, "task_status", { task_id: taskId })).toMatchObject({
        state: "running",
        origin: "execute_code",
      });

      const { outcome } = await execution.settle();
      expect(outcome.status).toBe("completed");
      if (outcome.status !== "completed") return;
      const result = outcome.result as ToolResult;
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ success: true, exit_code: 0 });
      expect(String(result.structuredContent?.stdout)).toContain("tick 19");
    } finally {
      await session.close();
    }
  }, 90_000);

  it("cancel kills the task's process; a program that exits non-zero completes with isError", async () => {
    const workspace = "p26-cancel";
    const client = await modern(stack.tokens.alice, workspace);
    const url = mcpUrl(stack.url, workspace);
    const session = taskSession(client, url, stack.tokens.alice);
    const marker = `p26cancel${Date.now()}`;
    try {
      const execution = await session.callTool("execute_code", {
        language: "bash",
        code: `sleep 600 # ${marker}`,
        timeout_seconds: 300,
      });
      expect(execution.kind).toBe("task");
      if (execution.kind !== "task") return;
      const deadline = Date.now() + 15_000;
      while (hostProcesses(marker).length === 0 && Date.now() < deadline) await sleep(200);
      expect(hostProcesses(marker).length).toBeGreaterThan(0);

      await execution.cancel();
      const { outcome } = await execution.settle();
      expect(outcome.status).toBe("cancelled");
      const gone = Date.now() + 10_000;
      while (hostProcesses(marker).length > 0 && Date.now() < gone) await sleep(200);
      expect(hostProcesses(marker)).toEqual([]);

      const failing = await session.callTool("execute_code", {
        language: "bash",
        code: "echo oops >&2; exit 3",
        timeout_seconds: 120,
      });
      const settled = await failing.settle();
      expect(settled.outcome.status).toBe("completed");
      if (settled.outcome.status !== "completed") return;
      const result = settled.outcome.result as ToolResult;
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toMatchObject({ success: false, exit_code: 3 });
    } finally {
      await session.close();
    }
  }, 90_000);

  it("start_task answers with its task; tasks/get reads tasks started by a 2025 session", async () => {
    const workspace = "p26-adopt";
    const url = mcpUrl(stack.url, workspace);
    const started = await rpc2026(url, stack.tokens.alice, "tools/call", {
      name: "start_task",
      arguments: { command: "echo adopted" },
    });
    const task = started.result as { resultType: string; taskId: string; status: string; ttlMs: number };
    expect(task).toMatchObject({ resultType: "task", status: "working" });

    const legacy = await stack.connect(stack.tokens.alice, { workspace });
    const fromLegacy = await tool2025<{ task_id: string }>(legacy, "start_task", {
      command: "echo from-2025",
    });
    let got: Record<string, unknown> = {};
    for (let i = 0; i < 60; i++) {
      got = (await rpc2026(url, stack.tokens.alice, "tasks/get", { taskId: fromLegacy.task_id }))
        .result as Record<string, unknown>;
      if (got.status !== "working") break;
      await sleep(250);
    }
    expect(got).toMatchObject({ status: "completed", taskId: fromLegacy.task_id });
    expect(JSON.stringify(got.result)).toContain("from-2025");

    // The ttl a client reads is fixed at creation: it does not drift as the task ends.
    const again = (await rpc2026(url, stack.tokens.alice, "tasks/get", { taskId: task.taskId })).result as {
      ttlMs: number;
    };
    expect(again.ttlMs).toBe(task.ttlMs);
  });

  it("the per-request log level decides whether a started task is logged to the client", async () => {
    const url = mcpUrl(stack.url, "p26-log");
    const start = { name: "start_task", arguments: { command: "true" } };
    const logged = await exchange2026(url, stack.tokens.alice, "tools/call", start, { logLevel: "info" });
    const notes = logged.filter((m) => m.method === "notifications/message");
    expect(notes).toHaveLength(1);
    expect(JSON.stringify(notes[0])).toContain('"event":"started"');
    expect(logged.at(-1)?.result).toMatchObject({ resultType: "task" });

    const quiet = await exchange2026(url, stack.tokens.alice, "tools/call", start, { logLevel: "error" });
    expect(quiet.filter((m) => m.method === "notifications/message")).toEqual([]);
    expect(quiet.at(-1)?.result).toMatchObject({ resultType: "task" });
  });

  it("a client without the extension gets plain results; unknown task ids are -32602", async () => {
    const url = mcpUrl(stack.url, "p26-plain");
    const plain = await rpc2026(
      url,
      stack.tokens.alice,
      "tools/call",
      { name: "execute_code", arguments: { language: "bash", code: "echo plain", timeout_seconds: 120 } },
      { tasks: false },
    );
    expect(plain.result).toMatchObject({ resultType: "complete", structuredContent: { stdout: "plain\n" } });
    const missing = await rpc2026(url, stack.tokens.alice, "tasks/get", { taskId: "t_doesnotexist" });
    expect(missing.error).toMatchObject({ code: -32602 });
  });
});

describe("workspaces and principals without sessions", () => {
  it("without ?workspace= a principal's calls share its default workspace; another principal never sees it", async () => {
    const alice = await modern(stack.tokens.alice);
    const bob = await modern(stack.tokens.bob);
    const secret = `alice-secret-${Date.now()}`;
    const write = (await alice.callTool({
      name: "write_file",
      arguments: { path: "note.txt", content: secret },
    })) as ToolResult;
    expect(write.isError).toBeFalsy();
    const info = (await alice.callTool({ name: "workspace_info", arguments: {} })) as ToolResult;
    expect(info.structuredContent).toMatchObject({ name: "default" });

    // A second, independent request of alice's finds the file (same workspace, no session).
    const again = await modern(stack.tokens.alice);
    const read = (await again.callTool({ name: "read_file", arguments: { path: "note.txt" } })) as ToolResult;
    expect(JSON.stringify(read.structuredContent)).toContain(secret);

    // Bob's default workspace is his own: no note, and alice's task ids are unknown to him.
    const bobRead = (await bob.callTool({
      name: "read_file",
      arguments: { path: "note.txt" },
    })) as ToolResult;
    expect(bobRead.isError).toBe(true);
    const started = await rpc2026(mcpUrl(stack.url), stack.tokens.alice, "tools/call", {
      name: "start_task",
      arguments: { command: "sleep 1" },
    });
    const taskId = (started.result as { taskId: string }).taskId;
    const bobGet = await rpc2026(mcpUrl(stack.url), stack.tokens.bob, "tasks/get", { taskId });
    expect(bobGet.error).toMatchObject({ code: -32602 });
    const bobCancel = await rpc2026(mcpUrl(stack.url), stack.tokens.bob, "tasks/cancel", { taskId });
    expect(bobCancel.error).toMatchObject({ code: -32602 });
  });
});

describe("idempotency keys", () => {
  const appendOnce = (key: string) => ({
    language: "bash",
    code: "echo run >> /workspace/runs.txt; wc -l < /workspace/runs.txt",
    idempotency_key: key,
  });
  const countRuns = async (client: Client) => {
    const r = (await client.callTool({
      name: "execute_code",
      arguments: { language: "bash", code: "wc -l < /workspace/runs.txt" },
    })) as ToolResult;
    return Number(String(r.structuredContent?.stdout).trim());
  };

  it("over 2026-07-28: a repeated call with the same key runs once and returns the first result", async () => {
    const client = await modern(stack.tokens.alice, "p26-idem");
    const first = (await client.callTool({
      name: "execute_code",
      arguments: appendOnce("k-2026"),
    })) as ToolResult;
    const repeat = (await client.callTool({
      name: "execute_code",
      arguments: appendOnce("k-2026"),
    })) as ToolResult;
    expect(repeat.structuredContent).toEqual(first.structuredContent);
    expect(await countRuns(client)).toBe(1);

    // Two repeats sent while the first still runs: still one execution.
    const slow = {
      language: "bash",
      code: "sleep 2; echo run >> /workspace/runs.txt",
      idempotency_key: "k-slow",
    };
    await Promise.all([
      client.callTool({ name: "execute_code", arguments: slow }),
      client.callTool({ name: "execute_code", arguments: slow }),
    ]);
    expect(await countRuns(client)).toBe(2);

    const reused = (await client.callTool({
      name: "execute_code",
      arguments: { language: "bash", code: "echo other", idempotency_key: "k-2026" },
    })) as ToolResult;
    expect(reused.isError).toBe(true);
    expect(reused.content?.[0]?.text).toContain("IDEMPOTENCY_KEY_REUSED");
  });

  it("over 2025 sessions and as an extension task: the same key never runs twice", async () => {
    const legacy = await stack.connect(stack.tokens.alice, { workspace: "p26-idem-2025" });
    for (let i = 0; i < 2; i++) {
      await tool2025(legacy, "execute_code", appendOnce("k-2025"));
    }
    const modernClient = await modern(stack.tokens.alice, "p26-idem-2025");
    expect(await countRuns(modernClient)).toBe(1);

    const url = mcpUrl(stack.url, "p26-idem-2025");
    const args = { ...appendOnce("k-task"), timeout_seconds: 120 };
    const a = await rpc2026(url, stack.tokens.alice, "tools/call", { name: "execute_code", arguments: args });
    const b = await rpc2026(url, stack.tokens.alice, "tools/call", { name: "execute_code", arguments: args });
    const idA = (a.result as { taskId: string }).taskId;
    expect((b.result as { taskId: string }).taskId).toBe(idA);
    for (let i = 0; i < 60; i++) {
      const got = (await rpc2026(url, stack.tokens.alice, "tasks/get", { taskId: idA })).result as {
        status: string;
      };
      if (got.status !== "working") break;
      await sleep(250);
    }
    expect(await countRuns(modernClient)).toBe(2);
  });
});
