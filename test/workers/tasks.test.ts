/**
 * Long-running tasks through the official MCP client, against the real Worker, session
 * and workspace Durable Objects, with the Cloudflare adapter on real containers.
 */
import { describe, expect, it } from "vitest";
import { ALICE, BOB, connect } from "./helpers.ts";
import { realRuntime } from "./sandbox-cloudflare-setup.ts";
import {
  call,
  callError,
  finished,
  freshName,
  list,
  logs,
  runningProcesses,
  type Started,
  start,
  status,
  waitFor,
} from "./tasks-helpers.ts";

// Real containers: a first start takes seconds on a busy machine.
const SLOW = 60_000;
const TICKER = "echo one; sleep 1; echo two; sleep 1; echo three; echo oops >&2";

describe.skipIf(!realRuntime)("start_task / task_status / task_logs", { timeout: SLOW }, () => {
  it("runs a command in the background and reports it to completion", async () => {
    const { client } = await connect(ALICE, `?workspace=${freshName("basic")}`);
    const started = await start(client, { command: TICKER, name: "ticker", metadata: { ticket: 7 } });
    expect(started.task_id).toMatch(/^t[a-z2-7]{24}$/);
    // start_task returns without waiting for the command (which takes over 2 s).
    expect(started.state).toBe("running");
    expect(started.events_path).toContain(`/tasks/${started.task_id}/events?workspace=`);

    const first = await waitFor(client, started.task_id, (s) => s.log.lines >= 1);
    expect(first.state).toBe("running");
    const early = await logs(client, started.task_id);
    expect(early.lines.map((l) => l.text)).toContain("one");

    const done = await waitFor(client, started.task_id, finished);
    expect(done).toMatchObject({ state: "completed", exit_code: 0, name: "ticker", metadata: { ticket: 7 } });
    expect(done.duration_ms).toBeGreaterThanOrEqual(1500);
    expect(done.tail).toEqual(["one", "two", "three", "[stderr] oops"]);

    const all = await logs(client, started.task_id);
    expect(all.lines.map((l) => `${l.stream}:${l.text}`)).toEqual([
      "stdout:one",
      "stdout:two",
      "stdout:three",
      "stderr:oops",
    ]);
    expect(all.complete).toBe(true);
    const newer = await logs(client, started.task_id, early.next_offset);
    expect(newer.lines[0]?.n).toBe(early.next_offset);
    const errOnly = await logs(client, started.task_id, 0, { stream: "stderr" });
    expect(errOnly.lines).toEqual([{ n: 3, stream: "stderr", text: "oops" }]);
    await client.close();
  });

  it("marks failures, and refuses bad input clearly", async () => {
    const { client } = await connect(ALICE, `?workspace=${freshName("bad")}`);
    const failed = await start(client, { command: "echo bye; exit 3" });
    const s = await waitFor(client, failed.task_id, finished);
    expect(s).toMatchObject({ state: "failed", exit_code: 3 });
    expect(s.reason).toMatch(/code 3/);

    expect(await callError(client, "task_status", { task_id: "tdoesnotexist" })).toMatch(/^TASK_NOT_FOUND/);
    expect(await callError(client, "start_task", {})).toMatch(/^INVALID_ARGUMENT: Nothing to run/);
    expect(await callError(client, "start_task", { code: "print(1)" })).toMatch(/needs a language/);
    expect(await callError(client, "start_task", { command: "true", path: "x.py" })).toMatch(/only one/);
    expect(await callError(client, "start_task", { command: "true", timeout_seconds: 10 ** 7 })).toMatch(
      /^TIMEOUT_TOO_LARGE/,
    );
    expect(await callError(client, "cancel_task", { task_id: failed.task_id })).toMatch(
      /^TASK_ALREADY_FINISHED/,
    );
    expect(await callError(client, "list_tasks", { cursor: "bm9wZQ" })).toMatch(/^INVALID_CURSOR/);
    expect(await callError(client, "start_task", { command: "true", parent_task_id: "tnope" })).toMatch(
      /^TASK_NOT_FOUND/,
    );
    await client.close();
  });
});

describe.skipIf(!realRuntime)("cancel_task", { timeout: SLOW }, () => {
  it("cancels a sleeping task within 2 s and its process is gone", async () => {
    const name = freshName("cancel");
    const { client } = await connect(ALICE, `?workspace=${name}`);
    const t = await start(client, { command: "echo start; sleep 60" });
    await waitFor(client, t.task_id, (s) => s.log.lines >= 1);
    const t0 = Date.now();
    const cancelled = await call<{ state: string; reason: string }>(client, "cancel_task", {
      task_id: t.task_id,
    });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(cancelled.state).toBe("cancelled");
    expect(await runningProcesses("alice", name)).toBe(0);
    expect((await status(client, t.task_id)).state).toBe("cancelled");
    await client.close();
  });
});

describe.skipIf(!realRuntime)("parents, resume and listing", { timeout: SLOW }, () => {
  it("links children, lists by parent, counts them, and cancels them with the parent", async () => {
    const { client } = await connect(ALICE, `?workspace=${freshName("tree")}`);
    const parent = await start(client, { command: "sleep 60", name: "orchestrator" });
    const kids: Started[] = [];
    for (let i = 0; i < 3; i++) {
      kids.push(
        await start(client, { command: "sleep 60", parent_task_id: parent.task_id, name: `kid ${i}` }),
      );
    }
    const page = await list(client, { parent_task_id: parent.task_id });
    expect(page.tasks.map((t) => t.task_id).sort()).toEqual(kids.map((k) => k.task_id).sort());
    expect((await status(client, parent.task_id)).children).toMatchObject({ total: 3, running: 3 });

    await call(client, "cancel_task", { task_id: parent.task_id });
    for (const kid of kids) {
      const s = await status(client, kid.task_id);
      expect(s.state).toBe("cancelled");
      expect(s.reason).toContain(parent.task_id);
    }
    expect((await status(client, parent.task_id)).children).toMatchObject({ total: 3, cancelled: 3 });
    await client.close();
  });

  it("resumes a finished task in the same workspace and refuses a running one", async () => {
    const { client } = await connect(ALICE, `?workspace=${freshName("resume")}`);
    const first = await start(client, { command: "echo hello > note.txt" });
    await waitFor(client, first.task_id, finished);
    const next = await call<Started>(client, "resume_task", {
      task_id: first.task_id,
      command: "cat note.txt",
    });
    expect(next.resumed_from).toBe(first.task_id);
    const done = await waitFor(client, next.task_id, finished);
    expect(done).toMatchObject({ state: "completed", tail: ["hello"] });

    const running = await start(client, { command: "sleep 60" });
    expect(await callError(client, "resume_task", { task_id: running.task_id, command: "true" })).toMatch(
      /^TASK_NOT_FINISHED/,
    );
    await call(client, "cancel_task", { task_id: running.task_id });
    await client.close();
  });

  it("pages newest first with an opaque cursor", async () => {
    const { client } = await connect(ALICE, `?workspace=${freshName("pages")}`);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await start(client, { command: `echo ${i}` })).task_id);
    const one = await list(client, { limit: 2 });
    expect(one.tasks.map((t) => t.task_id)).toEqual([ids[4], ids[3]]);
    const two = await list(client, { limit: 2, cursor: one.next_cursor });
    expect(two.tasks.map((t) => t.task_id)).toEqual([ids[2], ids[1]]);
    const three = await list(client, { limit: 2, cursor: two.next_cursor });
    expect(three.tasks.map((t) => t.task_id)).toEqual([ids[0]]);
    expect(three.next_cursor).toBeNull();
    await client.close();
  });
});

describe.skipIf(!realRuntime)("sessions and principals", { timeout: SLOW }, () => {
  it("shows a task to a later session on the same workspace and to no other principal", async () => {
    const name = freshName("shared");
    const a = await connect(ALICE, `?workspace=${name}`);
    const t = await start(a.client, { command: "echo persisted" });
    await waitFor(a.client, t.task_id, finished);
    await a.client.close();

    const later = await connect(ALICE, `?workspace=${name}`);
    expect((await status(later.client, t.task_id)).tail).toEqual(["persisted"]);
    expect((await logs(later.client, t.task_id)).lines.map((l) => l.text)).toEqual(["persisted"]);
    expect((await list(later.client)).tasks.map((x) => x.task_id)).toContain(t.task_id);
    await later.client.close();

    const bob = await connect(BOB, `?workspace=${name}`);
    expect(await callError(bob.client, "task_status", { task_id: t.task_id })).toMatch(/^TASK_NOT_FOUND/);
    expect(await callError(bob.client, "task_logs", { task_id: t.task_id })).toMatch(/^TASK_NOT_FOUND/);
    expect(await callError(bob.client, "cancel_task", { task_id: t.task_id })).toMatch(/^TASK_NOT_FOUND/);
    expect((await list(bob.client)).tasks).toEqual([]);
    await bob.client.close();
  });
});
