/**
 * Issue 9, done-when 2: a running task keeps its container awake past the idle timeout,
 * and the container sleeps once the task is over. Real containers (the local container
 * runner) behind `wrangler dev`, with `SANDBOX_SLEEP_AFTER_SECONDS=30` so the platform's
 * own idle timer (the containers package's `sleepAfter` alarm) is what would stop them.
 *
 * It waits out a two-minute task, so it lives in the `long` project, which runs beside the
 * workers project instead of after the serial node project.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TaskStatus, TaskView } from "../../src/tasks/types.ts";
import { realRuntimeSkipReason } from "../helpers/container-runner.ts";
import { type Stack, startStack } from "../helpers/stack.ts";

const SLEEP_AFTER_SECONDS = 30;
const skip = realRuntimeSkipReason();
if (skip) console.warn(skip);

describe.skipIf(skip !== null)("a task outlives the idle timeout (cloudflare backend)", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      backend: "cloudflare",
      vars: { SANDBOX_SLEEP_AFTER_SECONDS: String(SLEEP_AFTER_SECONDS) },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function tool<T>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
    const result = await client.callTool({ name, arguments: args });
    expect(result.isError, `${name}: ${JSON.stringify(result.content)}`).toBeFalsy();
    return result.structuredContent as T;
  }

  async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await read();
      if (ok(value) || Date.now() > deadline) return value;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }

  it("`sleep 120; echo done` completes with idle timeout 30 s; then its container sleeps", {
    timeout: 300_000,
  }, async () => {
    const c = await stack.connect(stack.tokens.alice, { workspace: "keep-awake" });
    let task: TaskView | undefined;
    const container = await stack.containers.startedBy(async () => {
      task = await tool<TaskView>(c, "start_task", { command: "sleep 120; echo done" });
    });
    const id = (task as TaskView).task_id;

    // No calls from the client while the task runs: only the server itself can keep the
    // container from sleeping 30 s into the two minutes.
    await new Promise((r) => setTimeout(r, 125_000));
    expect(await stack.containers.running()).toContain(container);
    const after = await until(
      () => tool<TaskStatus>(c, "task_status", { task_id: id }),
      (s) => s.state !== "running",
      30_000,
    );
    expect(after).toMatchObject({ state: "completed", exit_code: 0, tail: ["done"] });

    // Released: with no task left, the idle timer stops the container (SIGTERM, exit 0).
    const started = Date.now();
    const running = await until(
      () => stack.containers.running(),
      (ids) => !ids.includes(container),
      (SLEEP_AFTER_SECONDS + 30) * 1000,
    );
    expect(running).not.toContain(container);
    expect(Date.now() - started).toBeGreaterThan((SLEEP_AFTER_SECONDS - 10) * 1000);
  });
});
