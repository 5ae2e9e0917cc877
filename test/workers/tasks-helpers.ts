/** Helpers for the task tests: typed tool calls and polling through the MCP client. */
import { env } from "cloudflare:workers";
import { getSandbox } from "@cloudflare/sandbox";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { expect } from "vitest";
import type { Sandbox } from "../../src/sandbox/cloudflare/sandbox-do.ts";
import { sandboxIdFor } from "../../src/sandbox/cloudflare/sandbox-id.ts";
import type { LogPage, TaskPage, TaskStatus, TaskView } from "../../src/tasks/types.ts";
import { sandboxId, workspaceKey } from "../../src/workspace/names.ts";
import type { Workspace } from "../../src/workspace/workspace-do.ts";

export type Started = TaskView & { workspace: string; events_path: string };

/** Calls a tool and returns its structured result; fails the test on an error result. */
export async function call<T>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const result = await client.callTool({ name, arguments: args });
  const text = JSON.stringify(result.content);
  expect(result.isError, `${name}: ${text}`).toBeFalsy();
  return result.structuredContent as T;
}

/** Calls a tool that must fail; returns the error text. */
export async function callError(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<string> {
  const result = await client.callTool({ name, arguments: args });
  expect(result.isError, `${name} should fail`).toBe(true);
  const first = (result.content as Array<{ type: string; text?: string }>)[0];
  return first?.text ?? "";
}

export const start = (client: Client, args: Record<string, unknown>) =>
  call<Started>(client, "start_task", args);
export const status = (client: Client, id: string) =>
  call<TaskStatus>(client, "task_status", { task_id: id });
export const logs = (client: Client, id: string, offset = 0, extra: Record<string, unknown> = {}) =>
  call<LogPage>(client, "task_logs", { task_id: id, offset, ...extra });
export const list = (client: Client, args: Record<string, unknown> = {}) =>
  call<TaskPage>(client, "list_tasks", args);

/** Polls task_status until `done` holds (or the deadline passes). */
export async function waitFor(
  client: Client,
  id: string,
  done: (s: TaskStatus) => boolean,
  timeoutMs = 15_000,
): Promise<TaskStatus> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await status(client, id);
    if (done(s) || Date.now() > until) return s;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const finished = (s: TaskStatus) => !["queued", "running"].includes(s.state);

/** The workspace Durable Object behind (principal, name). */
export function workspaceStub(principal: string, name: string): DurableObjectStub<Workspace> {
  return env.WORKSPACE.getByName(workspaceKey(principal, name));
}

/** The real SDK handle of the container behind (principal, name), to look at or stop it. */
export async function sandboxFor(principal: string, name: string) {
  const ns = env.SANDBOX as unknown as DurableObjectNamespace<Sandbox>;
  return getSandbox(ns, sandboxIdFor(await sandboxId(workspaceKey(principal, name))), { transport: "rpc" });
}

/** How many processes are still running in the container behind (principal, name). */
export async function runningProcesses(principal: string, name: string): Promise<number> {
  const processes = await (await sandboxFor(principal, name)).listProcesses();
  return processes.filter((p) => p.status === "running" || p.status === "starting").length;
}

/** A workspace name no other test uses. */
export function freshName(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}
