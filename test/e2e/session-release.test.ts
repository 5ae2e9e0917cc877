/**
 * Issue 12: a workspace's sandboxes are released when its last session goes away. Through
 * the official MCP client against `wrangler dev` and the real local sandbox host: a
 * session DELETE stops the workspace's idle interpreter contexts and warm shell on the
 * host (seen through the host's own API), unless another live session shares the named
 * workspace; its running tasks keep running. (A session that vanishes without a DELETE
 * is covered by the host's idle reaper: test/security/limits.test.ts.)
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalSandboxBackend } from "../../src/sandbox/local.ts";
import type { LiveSandboxesResponse } from "../../src/shared/host-api.ts";
import type { TaskStatus } from "../../src/tasks/types.ts";
import { type Stack, startStack } from "../helpers/stack.ts";

let stack: Stack;
let host: LocalSandboxBackend;

beforeAll(async () => {
  stack = await startStack();
  host = new LocalSandboxBackend({ url: stack.hostUrl, secret: stack.hostSecret });
});
afterAll(async () => {
  await stack?.stop();
});

async function call<T>(c: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const r = await c.callTool({ name, arguments: args }, undefined, { timeout: 120_000 });
  expect(r.isError, `${name}: ${JSON.stringify(r.content)}`).toBeFalsy();
  return r.structuredContent as T;
}

interface Run {
  stdout: string;
  result?: string;
  context_reset: boolean;
}
const python = (c: Client, code: string) => call<Run>(c, "execute_code", { code, language: "python" });
const bash = (c: Client, code: string) => call<Run>(c, "execute_code", { code, language: "bash" });
const sandboxOf = async (c: Client) => (await call<{ sandboxId: string }>(c, "workspace_info", {})).sandboxId;

/** The client's DELETE of its session, as an MCP client does when it closes. */
const endSession = (c: Client) => (c.transport as StreamableHTTPClientTransport).terminateSession();

/** Polls the host until `until` holds for the workspace's sandboxes (the Worker tears down in an alarm). */
async function sandboxesUntil(
  id: string,
  until: (s: LiveSandboxesResponse) => boolean,
  ms = 20_000,
): Promise<LiveSandboxesResponse> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await host.liveSandboxes({ id });
    if (until(s) || Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const released = (s: LiveSandboxesResponse) => s.contexts.length === 0 && !s.warmShell;

describe("sandboxes released when their session goes away", () => {
  it("a session DELETE frees its own workspace's contexts and warm shell", async () => {
    const c = await stack.connect(stack.tokens.alice);
    await python(c, "x = 1");
    await call(c, "execute_code", { code: "1 + 1", language: "javascript" });
    await bash(c, "echo warm");
    const id = await sandboxOf(c);
    expect(await host.liveSandboxes({ id })).toEqual({ contexts: ["javascript", "python"], warmShell: true });

    await endSession(c);
    expect(await sandboxesUntil(id, released)).toEqual({ contexts: [], warmShell: false });
  });

  it("a named workspace keeps its sandboxes while another session uses it; tasks outlive both", async () => {
    const first = await stack.connect(stack.tokens.alice, { workspace: "release-shared" });
    const second = await stack.connect(stack.tokens.alice, { workspace: "release-shared" });
    const id = await sandboxOf(first);
    await python(first, "shared = 'kept'");
    await bash(second, "echo warm");
    const task = await call<{ task_id: string }>(second, "start_task", {
      command: "sleep 6; echo task-finished",
    });

    await endSession(first);
    // Teardown runs in the session's alarm about a second after the DELETE.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(await host.liveSandboxes({ id })).toEqual({ contexts: ["python"], warmShell: true });
    const still = await python(second, "shared");
    expect(still.result).toBe("'kept'");
    expect(still.context_reset).toBe(false);

    await endSession(second);
    expect(await sandboxesUntil(id, released)).toEqual({ contexts: [], warmShell: false });

    // The task kept running without any session, and a new session finds it finished.
    const third = await stack.connect(stack.tokens.alice, { workspace: "release-shared" });
    const deadline = Date.now() + 30_000;
    let s = await call<TaskStatus>(third, "task_status", { task_id: task.task_id });
    while (s.state === "running" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      s = await call<TaskStatus>(third, "task_status", { task_id: task.task_id });
    }
    expect(s.state).toBe("completed");
    const logs = await call<{ lines: Array<{ text: string }> }>(third, "task_logs", {
      task_id: task.task_id,
    });
    expect(JSON.stringify(logs)).toContain("task-finished");
    // The released context says so on its next run.
    const after = await python(third, "'shared' in globals()");
    expect(after.result).toBe("False");
    expect(after.context_reset).toBe(true);
  });
});
