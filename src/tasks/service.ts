/**
 * The task service the workspace Durable Object exposes over RPC: start, observe, cancel
 * and resume tasks, and the alarm tick.
 *
 * The workspace's alarm fires about once a second while any task is active (or still has
 * unread output) and calls `tick()`, which has the follower (follow.ts) look at every
 * watched task's process and prunes expired tasks. Readers refresh a task through the
 * follower too, so they never wait for the next alarm.
 *
 * Storage and its durability contract are described in store.ts and log-store.ts. This
 * class keeps nothing in instance memory; the follower's `#inflight` map is the only
 * instance state, and losing it on eviction loses nothing.
 */
import type { Config } from "../config/config.ts";
import { AppError } from "../errors/app-error.ts";
import type { SandboxBackend, WorkspaceRef } from "../sandbox/backend.ts";
import { TaskFollower } from "./follow.ts";
import { decodeCursor, encodeCursor } from "./ids.ts";
import { capLines, TaskLogs } from "./log-store.ts";
import { type TaskRow, TaskTables } from "./store.ts";
import {
  isTerminal,
  type ListFilter,
  type LogPage,
  type LogRange,
  type McpOutcome,
  type TaskLaunch,
  type TaskOutput,
  type TaskPage,
  type TaskSpec,
  type TaskStatus,
  type TaskView,
} from "./types.ts";
import { notFound, toView } from "./view.ts";

/** Alarm period while tasks run. */
export const POLL_MS = 1_000;
/** Running or queued tasks per workspace. */
export const MAX_ACTIVE_TASKS = 32;
const TAIL_LINES = 20;
const MAX_PAGE_BYTES = 256 * 1024;
const MAX_CANCEL_TREE = 1_000;

export type TaskSettings = Pick<Config, "TASK_LOG_LIMIT_BYTES" | "TASK_RETENTION_SECONDS">;

export interface TaskServiceOptions {
  sql: SqlStorage;
  settings: TaskSettings;
  /** The sandbox backend (created on demand: it is cheap and holds no state). */
  backend: () => SandboxBackend;
  /** This workspace's sandbox, or null before the workspace exists. */
  workspace: () => WorkspaceRef | null;
  /** Asks for an alarm no later than `at` (ms since epoch). */
  wake: (at: number) => Promise<void>;
  now?: () => number;
}

export class TaskService {
  readonly #tables: TaskTables;
  readonly #logs: TaskLogs;
  readonly #follower: TaskFollower;
  readonly #options: TaskServiceOptions;
  readonly #now: () => number;

  constructor(options: TaskServiceOptions) {
    this.#options = options;
    this.#tables = new TaskTables(options.sql);
    this.#logs = new TaskLogs(options.sql, options.settings.TASK_LOG_LIMIT_BYTES);
    this.#now = options.now ?? Date.now;
    this.#follower = new TaskFollower({
      tables: this.#tables,
      logs: this.#logs,
      backend: options.backend,
      workspace: options.workspace,
      now: this.#now,
    });
    this.#tables.migrate();
    this.#logs.migrate();
  }

  // ── creating and starting ────────────────────────────────────────────────

  /** Creates a queued task; `launch` starts it. Validates links and the active-task cap. */
  create(spec: TaskSpec, command = ""): TaskView {
    if (this.#tables.exists(spec.id)) throw new AppError("INVALID_ARGUMENT", "Task id already in use.");
    if (spec.parentId !== null && !this.#tables.exists(spec.parentId)) throw notFound(spec.parentId);
    if (spec.resumedFrom !== null) {
      const original = this.#tables.get(spec.resumedFrom);
      if (!original) throw notFound(spec.resumedFrom);
      if (!isTerminal(original.state)) {
        throw new AppError(
          "TASK_NOT_FINISHED",
          `Task ${original.id} is still ${original.state}; it cannot be resumed yet.`,
          {
            suggestion: "Wait for it to finish (task_status), or cancel_task it first, then resume_task.",
          },
        );
      }
    }
    if (this.#tables.countActive() >= MAX_ACTIVE_TASKS) {
      throw new AppError(
        "TASK_LIMIT_REACHED",
        `This workspace already has ${MAX_ACTIVE_TASKS} queued or running tasks.`,
        {
          suggestion: "Wait for some to finish, or cancel_task the ones you no longer need.",
        },
      );
    }
    this.#tables.insert(spec, command, this.#now());
    return this.#view(this.#row(spec.id));
  }

  /** Writes the script (if any) and starts the process of a queued task. */
  async launch(id: string, launch: TaskLaunch): Promise<TaskView> {
    const row = this.#row(id);
    // Cancelled before it started: there is nothing to run.
    if (isTerminal(row.state)) return this.#view(row);
    if (row.state !== "queued" || row.process_id !== null) {
      throw new AppError("INVALID_ARGUMENT", `Task ${id} has already been started.`);
    }
    const ws = this.#workspace();
    const backend = this.#options.backend();
    this.#tables.setLaunch(id, launch);
    const timeoutMs = launch.settings?.timeoutMs ?? row.timeout_ms;
    let processId: string;
    try {
      if (launch.script) {
        const dir = launch.script.path.slice(0, launch.script.path.lastIndexOf("/"));
        if (dir) await backend.mkdir(ws, dir);
        await backend.writeFile(ws, launch.script.path, new TextEncoder().encode(launch.script.content));
      }
      const info = await backend.startProcess(ws, launch.command, {
        timeoutMs,
        cwd: "/workspace",
      });
      processId = info.id;
    } catch (error) {
      const reason = `could not start: ${error instanceof Error ? error.message : String(error)}`;
      this.#tables.finish(id, "failed", { reason }, this.#now());
      throw error;
    }
    if (!this.#tables.markRunning(id, processId, this.#now())) {
      // Cancelled while starting: make sure the process does not outlive the cancellation.
      this.#tables.attachProcess(id, processId);
      await backend.killProcess(ws, processId).catch(() => undefined);
    }
    await this.#options.wake(this.#now() + POLL_MS);
    return this.#view(this.#row(id));
  }

  async start(spec: TaskSpec, launch: TaskLaunch): Promise<TaskView> {
    this.create(spec, launch.command);
    return this.launch(spec.id, launch);
  }

  // ── reading ──────────────────────────────────────────────────────────────

  async status(id: string): Promise<TaskStatus> {
    await this.#follower.refreshIfStale(id);
    const row = this.#row(id);
    return {
      ...this.#view(row),
      tail: this.#logs
        .tail(id, TAIL_LINES)
        .map((l) => (l.stream === "stderr" ? `[stderr] ${l.text}` : l.text)),
      children: this.#tables.childCounts(id),
    };
  }

  /** The task without refreshing it (cheap; for polling loops that refresh separately). */
  view(id: string): TaskView {
    return this.#view(this.#row(id));
  }

  list(filter: ListFilter): TaskPage {
    const before = filter.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor(filter.cursor);
    const { rows, more } = this.#tables.page(
      { state: filter.state, parentId: filter.parentId },
      before,
      filter.limit,
    );
    const last = rows.at(-1);
    return {
      tasks: rows.map((r) => this.#view(r)),
      next_cursor: more && last ? encodeCursor(last.seq) : null,
    };
  }

  async logs(id: string, range: LogRange): Promise<LogPage> {
    await this.#follower.refreshIfStale(id);
    const row = this.#row(id);
    const from = Math.max(range.offset, row.first_line);
    const dropped =
      range.offset < row.first_line && row.dropped_lines > 0
        ? { lines: Math.min(row.first_line - range.offset, row.dropped_lines), bytes: row.dropped_bytes }
        : null;
    const { lines, cut } = this.#logs.lines(id, from, range.limit, MAX_PAGE_BYTES, range.stream);
    const last = lines.at(-1);
    const exhausted = lines.length < range.limit && !cut;
    const next = exhausted ? Math.max(from, row.line_count) : (last?.n ?? from - 1) + 1;
    return {
      task_id: id,
      state: row.state,
      offset: range.offset,
      next_offset: next,
      lines,
      dropped,
      more: !exhausted,
      complete: isTerminal(row.state) && row.logs_open === 0 && next >= row.line_count,
    };
  }

  /** Every stored line of one stream, joined; head and tail kept beyond `capBytes`. */
  output(id: string, capBytes: number): TaskOutput {
    const row = this.#row(id);
    const gather = (stream: "stdout" | "stderr") => {
      const lines = this.#logs.lines(
        id,
        row.first_line,
        Number.MAX_SAFE_INTEGER,
        Number.MAX_SAFE_INTEGER,
        stream,
      ).lines;
      const partial = stream === "stdout" ? row.stdout_partial : row.stderr_partial;
      const texts = lines.map((l) => l.text);
      if (partial !== "") texts.push(partial);
      return capLines(texts, capBytes, row.first_line > 0 ? row.dropped_bytes : 0);
    };
    const stdout = gather("stdout");
    const stderr = gather("stderr");
    return {
      stdout: stdout.text,
      stderr: stderr.text,
      truncated: { stdout: stdout.truncated, stderr: stderr.truncated },
    };
  }

  // ── control ──────────────────────────────────────────────────────────────

  /** Cancels a task and every unfinished task below it; kills their processes. */
  async cancel(id: string, reason = "cancelled with cancel_task"): Promise<TaskStatus> {
    const row = this.#row(id);
    if (isTerminal(row.state)) {
      throw new AppError(
        "TASK_ALREADY_FINISHED",
        `Task ${id} already finished (${row.state}); there is nothing to cancel.`,
        {
          suggestion: "Use task_status or task_logs to see how it ended, or resume_task to run a follow-up.",
        },
      );
    }
    const now = this.#now();
    const tree = this.#descendants(id);
    const cancelled: TaskRow[] = [];
    for (const taskId of [id, ...tree]) {
      const r = this.#tables.get(taskId);
      if (!r) continue;
      const why = taskId === id ? reason : `its parent ${id} was cancelled`;
      if (this.#tables.finish(taskId, "cancelled", { reason: why, logsOpen: r.process_id !== null }, now)) {
        cancelled.push(r);
      }
    }
    const ws = this.#options.workspace();
    if (ws) {
      const backend = this.#options.backend();
      await Promise.all(
        cancelled.map(async (r) => {
          if (r.process_id === null) return;
          try {
            await backend.killProcess(ws, r.process_id);
          } catch (error) {
            const detail = error instanceof Error ? error.message : String(error);
            this.#tables.setReason(
              r.id,
              `cancelled, but killing its process failed (${detail}); it stops at its time limit`,
              this.#now(),
            );
          }
        }),
      );
      await Promise.all(cancelled.map((r) => this.#follower.sync(r.id)));
    }
    await this.#options.wake(this.#now() + POLL_MS);
    return this.status(id);
  }

  /** Records the result the MCP SDK stored for a task (tasks/result returns it verbatim). */
  storeMcpOutcome(id: string, outcome: McpOutcome): void {
    this.#row(id);
    this.#tables.storeMcpOutcome(id, outcome, this.#now());
  }

  mcpOutcome(id: string): McpOutcome | null {
    const row = this.#row(id);
    if (row.mcp_status !== "completed" && row.mcp_status !== "failed") return null;
    return { status: row.mcp_status, result: row.mcp_result ?? "{}" };
  }

  /**
   * Finishes a task that has no process (an MCP task whose start failed). A task with a
   * process finishes only when its process does.
   */
  settle(id: string, state: "completed" | "failed", reason: string | null): void {
    if (this.#row(id).process_id !== null) return;
    this.#tables.finish(id, state, { reason }, this.#now());
  }

  // ── the alarm loop ───────────────────────────────────────────────────────

  hasActive(): boolean {
    return this.#tables.countActive() > 0;
  }

  /** Follows every watched task once and prunes expired ones. Never throws. */
  async tick(): Promise<void> {
    const rows = this.#tables.watched();
    await Promise.all(
      rows.map((r) =>
        this.#follower.sync(r.id).catch((error) => console.warn(`task ${r.id}: refresh failed`, error)),
      ),
    );
    this.#tables.prune(this.#now() - this.#options.settings.TASK_RETENTION_SECONDS * 1000);
  }

  /** When the alarm should next run for tasks, or null when nothing needs it. */
  nextWakeAt(): number | null {
    if (this.#tables.watched().length > 0) return this.#now() + POLL_MS;
    const oldest = this.#tables.oldestEnded();
    return oldest === null ? null : oldest + this.#options.settings.TASK_RETENTION_SECONDS * 1000;
  }

  // ── internals ────────────────────────────────────────────────────────────

  #row(id: string): TaskRow {
    const row = this.#tables.get(id);
    if (!row) throw notFound(id);
    return row;
  }

  #view(row: TaskRow): TaskView {
    return toView(row, this.#now());
  }

  #workspace(): WorkspaceRef {
    const ws = this.#options.workspace();
    if (!ws) throw new AppError("NOT_FOUND", "Workspace not found.");
    return ws;
  }

  #descendants(id: string): string[] {
    const out: string[] = [];
    const queue = [id];
    const seen = new Set([id]);
    while (queue.length > 0 && out.length < MAX_CANCEL_TREE) {
      const next = queue.shift() as string;
      for (const child of this.#tables.childIds(next)) {
        if (seen.has(child)) continue;
        seen.add(child);
        out.push(child);
        queue.push(child);
      }
    }
    return out;
  }
}
