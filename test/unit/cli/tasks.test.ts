/** task commands: run requests, follow by offsets, output and exit statuses. */
import { describe, expect, it } from "vitest";
import { runCli } from "../../../cli/src/cli.ts";
import { POLL_MS } from "../../../cli/src/follow.ts";
import { context, type FakeServer, fakeIo, fakeServer, logPage, task } from "./fakes.ts";

async function run(argv: string[], server: FakeServer, io = fakeIo({ env: { CODEMODE_WORKSPACE: "demo" } })) {
  const code = await runCli(argv, context(io, server));
  return { code, out: io.out(), err: io.err(), io };
}

describe("task start", () => {
  const started = () => fakeServer({ start_task: () => task() });

  it("prints the id on stdout and how to follow it on stderr", async () => {
    const server = started();
    const r = await run(
      ["task", "start", "-l", "python", "--code", "print(1)", "--name", "job", "--parent", "p1"],
      server,
    );
    expect(r.code).toBe(0);
    expect(server.calls[0]?.args).toEqual({
      code: "print(1)",
      language: "python",
      name: "job",
      parent_task_id: "p1",
    });
    expect(r.out).toBe("t1\n");
    expect(r.err).toContain("codemode-mcp -w demo task logs t1 --follow");
  });

  it("sends a command, or a path with its arguments, and a timeout", async () => {
    const server = started();
    await run(["task", "start", "--command", "make test", "--timeout", "600"], server);
    await run(["task", "start", "--path", "train.py", "--", "--epochs", "3"], server);
    expect(server.calls.map((c) => c.args)).toEqual([
      { command: "make test", timeout_seconds: 600 },
      { path: "train.py", args: ["--epochs", "3"] },
    ]);
  });

  it("reads code from -f", async () => {
    const server = started();
    const io = fakeIo({ env: { CODEMODE_WORKSPACE: "demo" }, files: { "job.py": "print('x')" } });
    await run(["task", "start", "-f", "job.py", "-l", "python"], server, io);
    expect(server.calls[0]?.args).toEqual({ code: "print('x')", language: "python" });
  });

  it("rejects arguments without --path and --language without code", async () => {
    expect((await run(["task", "start", "-c", "ls", "extra"], started())).code).toBe(2);
    expect((await run(["task", "start", "-c", "ls", "-l", "python"], started())).code).toBe(2);
    expect((await run(["task", "start"], started())).code).toBe(2);
  });

  it("in an unnamed workspace, says later commands cannot reach the task", async () => {
    const server = fakeServer({ start_task: () => task({ workspace: "~0123456789abcdef" }) });
    const r = await run(["task", "start", "-c", "ls"], server, fakeIo());
    expect(r.err).toMatch(/unnamed.*--follow/);
  });
});

describe("task logs", () => {
  it("prints one page, stdout and stderr lines on their streams, and the offset to continue", async () => {
    const server = fakeServer({
      task_logs: () =>
        logPage(
          [
            [5, "stdout", "out"],
            [6, "stderr", "err"],
          ],
          { more: true },
        ),
    });
    const r = await run(["task", "logs", "t1", "--offset", "5", "--limit", "2"], server);
    expect(server.calls[0]?.args).toEqual({ task_id: "t1", offset: 5, limit: 2 });
    expect(r.out).toBe("out\n");
    expect(r.err).toBe("err\n[more lines follow: --offset 7]\n");
  });

  it("--follow polls from each next_offset until the output is complete, then exits like the task", async () => {
    const pages = [
      logPage([[0, "stdout", "tick 0"]]),
      logPage([], { offset: 1, next_offset: 1 }),
      logPage([[1, "stdout", "tick 1"]], { more: true }),
      logPage([[2, "stderr", "done"]], { state: "failed", complete: true }),
    ];
    const server = fakeServer({
      task_logs: () => pages.shift() ?? {},
      task_status: () => task({ state: "failed", exit_code: 3, duration_ms: 2500 }),
    });
    const r = await run(["task", "logs", "t1", "--follow"], server);
    expect(server.calls.filter((c) => c.name === "task_logs").map((c) => c.args.offset)).toEqual([
      0, 1, 1, 2,
    ]);
    expect(r.out).toBe("tick 0\ntick 1\n");
    expect(r.err).toBe("done\n[task t1 failed (exit code 3); 2.5 s]\n");
    // No pause after a page that said more lines follow.
    expect(r.io.sleeps).toEqual([POLL_MS, POLL_MS]);
    expect(r.code).toBe(3);
  });

  it("--follow --json prints one JSON object per line, ending with the status", async () => {
    const server = fakeServer({
      task_logs: () => logPage([[0, "stdout", "x"]], { state: "timed_out", complete: true }),
      task_status: () => task({ state: "timed_out" }),
    });
    const r = await run(["task", "logs", "t1", "--follow", "--json"], server);
    const lines = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.lines?.length ?? l.state)).toEqual([1, "timed_out"]);
    expect(r.code).toBe(124);
  });

  it("task start --follow follows in the same session", async () => {
    const server = fakeServer({
      start_task: () => task(),
      task_logs: () => logPage([[0, "stdout", "hi"]], { state: "completed", complete: true }),
      task_status: () => task({ state: "completed", exit_code: 0 }),
    });
    const r = await run(["task", "start", "-c", "echo hi", "--follow"], server, fakeIo());
    expect(r.code).toBe(0);
    expect(r.out).toBe("hi\n");
    expect(server.closed).toBe(1);
    expect(server.configs).toHaveLength(1);
  });
});

describe("task status, list, cancel, resume", () => {
  it("status shows state, exit code, children and the last lines", async () => {
    const server = fakeServer({
      task_status: () =>
        task({
          state: "completed",
          exit_code: 0,
          name: "ticker",
          tail: ["a", "[stderr] b"],
          children: {
            total: 3,
            queued: 0,
            running: 1,
            completed: 2,
            failed: 0,
            cancelled: 0,
            timed_out: 0,
            lost: 0,
          },
        }),
    });
    const r = await run(["task", "status", "t1"], server);
    expect(r.out).toMatch(/^task +t1$/m);
    expect(r.out).toMatch(/^state +completed \(exit code 0\)$/m);
    expect(r.out).toMatch(/^children +3: 1 running, 2 completed$/m);
    expect(r.out).toContain("last output:\n  a\n  [stderr] b\n");
  });

  it("list passes filters and prints a table and the next cursor", async () => {
    const server = fakeServer({
      list_tasks: () => ({
        tasks: [task({ name: "a" }), task({ task_id: "t2", command: "sleep 1\nmore" })],
        next_cursor: "c2",
      }),
    });
    const r = await run(
      ["task", "list", "--state", "running", "--parent", "p", "--limit", "2", "--cursor", "c1"],
      server,
    );
    expect(server.calls[0]?.args).toEqual({ state: "running", parent_task_id: "p", limit: 2, cursor: "c1" });
    expect(r.out.split("\n")[0]).toMatch(/^ID +STATE +CREATED +NAME \/ COMMAND$/);
    expect(r.out).toMatch(/^t2 +running +2026-01-01T00:00:00Z +sleep 1$/m);
    expect(r.err).toBe("[older tasks: --cursor c2]\n");
  });

  it("cancel prints the new state", async () => {
    const server = fakeServer({ cancel_task: () => task({ state: "cancelled" }) });
    expect((await run(["task", "cancel", "t1"], server)).out).toBe("task t1 cancelled\n");
  });

  it("resume sends the original id and code without a language", async () => {
    const server = fakeServer({ resume_task: () => task({ task_id: "t2", resumed_from: "t1" }) });
    const r = await run(["task", "resume", "t1", "--code", "print(2)"], server);
    expect(server.calls[0]?.args).toEqual({ task_id: "t1", code: "print(2)" });
    expect(r.out).toBe("t2\n");
    expect((await run(["task", "resume", "t1"], server)).code).toBe(2);
  });
});
