/** `GET /tasks/<id>/events`: server-sent events for non-MCP consumers. */
import { describe, expect, it } from "vitest";
import { ALICE, BASE, BOB, connect, workerFetch } from "./helpers.ts";
import { realRuntime } from "./sandbox-cloudflare-setup.ts";
import { freshName, start } from "./tasks-helpers.ts";

interface SseEvent {
  event: string;
  id: string;
  data: unknown;
}

/** Reads a whole event stream (it ends after the final event). */
async function readEvents(response: Response): Promise<SseEvent[]> {
  const text = await response.text();
  const events: SseEvent[] = [];
  for (const block of text.split("\n\n")) {
    const fields = Object.fromEntries(
      block
        .split("\n")
        .filter((l) => /^(event|id|data): /.test(l))
        .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 2)]),
    );
    if (fields.event)
      events.push({ event: fields.event, id: fields.id ?? "", data: JSON.parse(fields.data ?? "null") });
  }
  return events;
}

const get = (path: string, token?: string, headers: Record<string, string> = {}) =>
  workerFetch(`${BASE}${path}`, {
    headers: token ? { Authorization: `Bearer ${token}`, ...headers } : headers,
  });

describe.skipIf(!realRuntime)("task events stream", { timeout: 60_000 }, () => {
  it("streams updates and log lines until the task completes", async () => {
    const { client } = await connect(ALICE, `?workspace=${freshName("sse")}`);
    const t = await start(client, { command: "echo a; sleep 1; echo b; sleep 1; echo c" });
    const response = await get(t.events_path, ALICE);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events = await readEvents(response);
    const kinds = events.map((e) => e.event);
    expect(kinds[0]).toBe("task_update");
    expect(kinds.at(-1)).toBe("task_complete");
    const lines = events
      .filter((e) => e.event === "task_log")
      .flatMap((e) => (e.data as { lines: Array<{ text: string }> }).lines.map((l) => l.text));
    expect(lines).toEqual(["a", "b", "c"]);
    // Lines arrived in more than one event: the stream followed the task live.
    expect(kinds.filter((k) => k === "task_log").length).toBeGreaterThan(1);
    expect((events.at(-1)?.data as { state: string } | undefined)?.state).toBe("completed");

    // Reconnecting with Last-Event-ID resumes after what the client already has.
    const again = await readEvents(await get(t.events_path, ALICE, { "Last-Event-ID": "2" }));
    const replay = again
      .filter((e) => e.event === "task_log")
      .flatMap((e) => (e.data as { lines: unknown[] }).lines);
    expect(replay).toEqual([{ n: 2, stream: "stdout", text: "c" }]);
    await client.close();
  });

  it("reports a failed task with task_error", async () => {
    const { client } = await connect(ALICE, `?workspace=${freshName("sse")}`);
    const t = await start(client, { command: "echo no >&2; exit 2" });
    const events = await readEvents(await get(t.events_path, ALICE));
    expect(events.at(-1)).toMatchObject({ event: "task_error", data: { state: "failed", exit_code: 2 } });
    await client.close();
  });

  it("applies the same auth and principal rules as MCP", async () => {
    const { client } = await connect(ALICE, `?workspace=${freshName("sse")}`);
    const t = await start(client, { command: "true" });
    expect((await get(t.events_path)).status).toBe(401);
    const bob = await get(t.events_path, BOB);
    expect(bob.status).toBe(404);
    expect(await bob.json()).toMatchObject({ error: { code: "TASK_NOT_FOUND" } });
    expect((await get(`/tasks/${t.task_id}/events`, ALICE)).status).toBe(400);
    expect((await get(`/tasks/tnope/events?workspace=${t.workspace}`, ALICE)).status).toBe(404);
    expect((await get(`/tasks/${t.task_id}/events?workspace=Bad!`, ALICE)).status).toBe(400);
    await client.close();
  });

  it("works for a session's unnamed workspace through events_path", async () => {
    const { client } = await connect(ALICE);
    const t = await start(client, { command: "echo mine" });
    expect(t.workspace).toMatch(/^~/);
    const events = await readEvents(await get(t.events_path, ALICE));
    expect(events.at(-1)?.event).toBe("task_complete");
    await client.close();
  });
});
