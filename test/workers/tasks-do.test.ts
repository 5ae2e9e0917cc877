/**
 * The workspace Durable Object's task machinery, driven deterministically: alarms fired
 * with runDurableObjectAlarm, internals read with runInDurableObject, eviction with
 * evictDurableObject. The sandbox is the Cloudflare adapter on real containers (the local
 * container runner); an unreachable sandbox is in tasks-store.test.ts.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newTaskId } from "../../src/tasks/ids.ts";
import type { TaskSpec, TaskState } from "../../src/tasks/types.ts";
import { workspaceClient } from "../../src/workspace/rpc.ts";
import type { Workspace } from "../../src/workspace/workspace-do.ts";
import { realRuntime } from "./sandbox-cloudflare-setup.ts";
import { freshName, sandboxFor, workspaceStub } from "./tasks-helpers.ts";

const DAY = 86_400_000;

function spec(overrides: Partial<TaskSpec> = {}): TaskSpec {
  return {
    id: newTaskId(),
    origin: "start_task",
    name: null,
    language: null,
    parentId: null,
    resumedFrom: null,
    metadata: null,
    timeoutMs: 60_000,
    ...overrides,
  };
}

interface RawTask {
  state: TaskState;
  reason: string | null;
  line_count: number;
  last_seen_at: number | null;
}

/** The stored row, read without going through the service (no refresh from the sandbox). */
function raw(stub: DurableObjectStub<Workspace>, id: string): Promise<RawTask | undefined> {
  return runInDurableObject(
    stub,
    (_instance, state) =>
      state.storage.sql
        .exec<RawTask & Record<string, SqlStorageValue>>("SELECT * FROM tasks WHERE id = ?", id)
        .toArray()[0],
  );
}

function rawLines(stub: DurableObjectStub<Workspace>, id: string): Promise<string[]> {
  return runInDurableObject(stub, (_instance, state) =>
    state.storage.sql
      .exec<{ text: string }>("SELECT text FROM task_logs WHERE task_id = ? ORDER BY n", id)
      .toArray()
      .map((r) => r.text),
  );
}

async function workspace(named = true) {
  const name = named ? freshName("do") : `~${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const stub = workspaceStub("alice", name);
  await workspaceClient(stub).workspace.attach("alice", name, named);
  return { stub, name };
}

/** Fires alarms (as the runtime would, about once a second) until `done` holds. */
async function alarmsUntil(stub: DurableObjectStub<Workspace>, id: string, done: (t: RawTask) => boolean) {
  for (let i = 0; i < 40; i++) {
    const row = await raw(stub, id);
    if (row && done(row)) return row;
    await new Promise((r) => setTimeout(r, 250));
    await runDurableObjectAlarm(stub);
  }
  throw new Error("condition not reached");
}

const finished = (t: RawTask) => !["queued", "running"].includes(t.state);

describe.skipIf(!realRuntime)("the alarm loop", { timeout: 60_000 }, () => {
  it("follows a task to completion with nobody reading, then sleeps until retention", async () => {
    const { stub } = await workspace();
    const s = spec();
    await workspaceClient(stub).tasks.start(s, { command: "echo a; sleep 1; echo b" });
    const alarm = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    const row = await alarmsUntil(stub, s.id, finished);
    expect(row.state).toBe("completed");
    expect(await rawLines(stub, s.id)).toEqual(["a", "b"]);
    // Nothing left to follow: the next alarm is the retention prune, a week out.
    await runDurableObjectAlarm(stub);
    const next = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(next).toBeGreaterThan(Date.now() + 6 * DAY);
  });

  it("loses nothing when the workspace object is evicted mid-task", async () => {
    const { stub } = await workspace();
    const s = spec();
    await workspaceClient(stub).tasks.start(s, { command: "echo before; sleep 1; echo after" });
    await alarmsUntil(stub, s.id, (t) => t.line_count >= 1);
    await evictDurableObject(stub);
    const row = await alarmsUntil(stub, s.id, finished);
    expect(row.state).toBe("completed");
    expect(await rawLines(stub, s.id)).toEqual(["before", "after"]);
  });

  it("marks a task lost when the sandbox restarts under it", async () => {
    const { stub, name } = await workspace();
    const s = spec();
    await workspaceClient(stub).tasks.start(s, { command: "echo hi; sleep 60" });
    await alarmsUntil(stub, s.id, (t) => t.line_count >= 1);
    // The container goes away (it slept, crashed or was redeployed).
    await (await sandboxFor("alice", name)).destroy();
    const row = await alarmsUntil(stub, s.id, finished);
    expect(row.state).toBe("lost");
    expect(row.reason).toMatch(/no longer knows this process/);
    expect(await rawLines(stub, s.id)).toEqual(["hi"]);
  });

  it("prunes finished tasks after the retention period", async () => {
    const { stub } = await workspace();
    const s = spec();
    await workspaceClient(stub).tasks.start(s, { command: "echo x" });
    await alarmsUntil(stub, s.id, finished);
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("UPDATE tasks SET ended_at = ? WHERE id = ?", Date.now() - 8 * DAY, s.id);
    });
    await runDurableObjectAlarm(stub);
    expect(await raw(stub, s.id)).toBeUndefined();
    expect(await rawLines(stub, s.id)).toEqual([]);
  });

  it("keeps an idle unnamed workspace alive while a task runs", async () => {
    const { stub } = await workspace(false);
    const s = spec();
    await workspaceClient(stub).tasks.start(s, { command: "sleep 60" });
    const idle = Date.now() - 2 * DAY;
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("UPDATE workspace SET last_used_at = ?", idle);
    });
    await runDurableObjectAlarm(stub);
    expect((await workspaceClient(stub).workspace.info())?.lastUsedAt).not.toBe(new Date(idle).toISOString());
    expect((await raw(stub, s.id))?.state).toBe("running");
    await workspaceClient(stub).tasks.cancel(s.id);
  });
});
