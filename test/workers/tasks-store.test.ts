/**
 * The task service and its tables against a scripted in-memory process, on a real
 * Durable Object's SQLite: log bounds and the drop marker, partial and overlong lines,
 * offsets and streams, timeouts.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AppError } from "../../src/errors/app-error.ts";
import type { SandboxBackend } from "../../src/sandbox/backend.ts";
import type { ProcessInfo } from "../../src/shared/sandbox-schema.ts";
import { newTaskId } from "../../src/tasks/ids.ts";
import { TaskService } from "../../src/tasks/service.ts";
import { freshName, workspaceStub } from "./tasks-helpers.ts";

/** One process whose output and state the test scripts. */
class ScriptedProcess {
  stdout = "";
  stderr = "";
  state: ProcessInfo["state"] = "running";
  exitCode: number | null = null;
  killed = false;
  /** While set, looking at the process fails as an unreachable sandbox does. */
  unreachable = false;

  backend(): SandboxBackend {
    const info = (): ProcessInfo => ({
      id: "p1",
      state: this.state,
      exitCode: this.exitCode,
      startedAt: new Date().toISOString(),
      endedAt: null,
    });
    const slice = (text: string, offset: number, limit: number) => {
      const bytes = new TextEncoder().encode(text);
      const end = Math.min(bytes.length, offset + limit);
      return { text: new TextDecoder().decode(bytes.subarray(offset, end)), next: end };
    };
    const backend: Partial<SandboxBackend> = {
      kind: "local",
      startProcess: async () => info(),
      getProcess: async () => {
        if (this.unreachable) throw new AppError("SANDBOX_UNAVAILABLE", "container gone");
        return info();
      },
      processLogs: async (_ws, _id, range) => {
        const out = slice(this.stdout, range.stdoutOffset, range.limit);
        const err = slice(this.stderr, range.stderrOffset, range.limit);
        return { stdout: out.text, stderr: err.text, stdoutOffset: out.next, stderrOffset: err.next };
      },
      killProcess: async () => {
        this.killed = true;
        this.state = "killed";
      },
      mkdir: async () => undefined,
      writeFile: async () => undefined,
    };
    return backend as SandboxBackend;
  }
}

function service(sql: SqlStorage, proc: ScriptedProcess, logLimit = 4096, now = () => Date.now()) {
  return new TaskService({
    sql,
    settings: { TASK_LOG_LIMIT_BYTES: logLimit, TASK_RETENTION_SECONDS: 3600 },
    backend: () => proc.backend(),
    workspace: () => ({ id: "scripted" }),
    wake: async () => undefined,
    now,
  });
}

const spec = (timeoutMs = 60_000) => ({
  id: newTaskId(),
  origin: "start_task" as const,
  name: null,
  language: null,
  parentId: null,
  resumedFrom: null,
  metadata: null,
  timeoutMs,
});

const inObject = <T>(fn: (sql: SqlStorage) => Promise<T>) =>
  runInDurableObject(workspaceStub("alice", freshName("store")), (_i, state) => fn(state.storage.sql));

describe("task logs", () => {
  it("keeps the newest output under the byte limit and marks what was dropped", () =>
    inObject(async (sql) => {
      const proc = new ScriptedProcess();
      const tasks = service(sql, proc, 4096);
      const s = spec();
      await tasks.start(s, { command: "chatty" });
      proc.stdout = Array.from(
        { length: 400 },
        (_, i) => `line ${String(i).padStart(4, "0")} ${"x".repeat(30)}`,
      ).join("\n");
      proc.stdout += "\n";
      proc.state = "exited";
      proc.exitCode = 0;
      await tasks.tick();
      const status = await tasks.status(s.id);
      expect(status.state).toBe("completed");
      expect(status.log.lines).toBe(400);
      expect(status.log.stored_bytes).toBeLessThanOrEqual(4096);
      expect(status.log.dropped_lines).toBeGreaterThan(0);
      expect(status.tail.at(-1)).toMatch(/^line 0399 /);

      const page = await tasks.logs(s.id, { offset: 0, limit: 5 });
      expect(page.dropped).toMatchObject({ lines: status.log.dropped_lines });
      expect(page.lines[0]?.n).toBe(status.log.dropped_lines);
      const output = tasks.output(s.id, 65_536);
      expect(output.stdout.split("\n")[0]).toMatch(/earlier bytes were dropped/);
    }));

  it("holds a partial line until it ends or the stream goes quiet, and splits overlong lines", () =>
    inObject(async (sql) => {
      const proc = new ScriptedProcess();
      const tasks = service(sql, proc, 1 << 20);
      const s = spec();
      await tasks.start(s, { command: "x" });
      proc.stdout = "hel";
      await tasks.tick(); // new output that ends mid-line: held
      expect((await tasks.logs(s.id, { offset: 0, limit: 10 })).lines).toEqual([]);
      proc.stdout = "hello\nwor";
      await tasks.tick();
      expect((await tasks.logs(s.id, { offset: 0, limit: 10 })).lines.map((l) => l.text)).toEqual(["hello"]);
      await tasks.tick(); // nothing new: the quiet stream's partial line is flushed
      expect((await tasks.logs(s.id, { offset: 0, limit: 10 })).lines.map((l) => l.text)).toEqual([
        "hello",
        "wor",
      ]);

      proc.stderr = `${"é".repeat(20_000)}\n`;
      await tasks.tick();
      const errs = (await tasks.logs(s.id, { offset: 0, limit: 10, stream: "stderr" })).lines;
      expect(errs.length).toBe(3);
      expect(errs.every((l) => new TextEncoder().encode(l.text).length <= 16 * 1024)).toBe(true);
      expect(errs.map((l) => l.text).join("")).toBe("é".repeat(20_000));
    }));

  it("pages by line number, with next_offset for what is new", () =>
    inObject(async (sql) => {
      const proc = new ScriptedProcess();
      const tasks = service(sql, proc, 1 << 20);
      const s = spec();
      await tasks.start(s, { command: "x" });
      proc.stdout = "1\n2\n3\n";
      await tasks.tick();
      const first = await tasks.logs(s.id, { offset: 0, limit: 2 });
      expect(first).toMatchObject({ next_offset: 2, more: true, complete: false });
      const rest = await tasks.logs(s.id, { offset: first.next_offset, limit: 10 });
      expect(rest.lines.map((l) => l.text)).toEqual(["3"]);
      expect(rest).toMatchObject({ next_offset: 3, more: false });
      const none = await tasks.logs(s.id, { offset: rest.next_offset, limit: 10 });
      expect(none).toMatchObject({ lines: [], next_offset: 3 });
    }));
});

describe("time limits", () => {
  it("kills and times out a task the sandbox still reports running past its limit", () =>
    inObject(async (sql) => {
      const proc = new ScriptedProcess();
      let clock = Date.now();
      const tasks = service(sql, proc, 1 << 20, () => clock);
      const s = spec(1_000);
      await tasks.start(s, { command: "x" });
      clock += 1_000 + 31_000;
      await tasks.tick();
      const status = await tasks.status(s.id);
      expect(status.state).toBe("timed_out");
      expect(proc.killed).toBe(true);
    }));
});

describe("an unreachable sandbox", () => {
  it("marks a task lost when the sandbox stays unreachable, but not at the first failure", () =>
    inObject(async (sql) => {
      const proc = new ScriptedProcess();
      let clock = Date.now();
      const tasks = service(sql, proc, 1 << 20, () => clock);
      const s = spec(10 * 60_000);
      await tasks.start(s, { command: "x" });
      proc.unreachable = true;
      clock += 5_000;
      await tasks.tick();
      expect((await tasks.status(s.id)).state).toBe("running");
      // The last successful look was long ago: the next failure gives up on the task.
      clock += 120_000;
      await tasks.tick();
      const status = await tasks.status(s.id);
      expect(status.state).toBe("lost");
      expect(status.reason).toMatch(/could not be reached/);
    }));
});
