/**
 * The task service the workspace Durable Object exposes over RPC: start, observe,
 * cancel and resume tasks, and the alarm-driven loop that follows running processes.
 *
 * How a running task is followed: the workspace's alarm fires about once a second while
 * any task is active (or still has unread output) and calls `tick()`, which asks the
 * sandbox for each process's state and new output and stores both. Readers (status, logs,
 * the events stream) also refresh a task whose last look is older than REFRESH_AFTER_MS,
 * so they never wait for the next alarm. A process the sandbox no longer knows makes its
 * task `lost`; a sandbox unreachable for too long does too (state.ts).
 *
 * Storage and its durability contract are described in store.ts. The only instance
 * memory here is `#inflight`, which merges concurrent refreshes of the same task into
 * one (two overlapping reads of the same byte range would store lines twice); losing it
 * on eviction loses nothing.
 */
import type { Config } from "../config/config.ts";
import { AppError } from "../errors/app-error.ts";
import type { SandboxBackend, WorkspaceRef } from "../sandbox/backend.ts";
import { decodeCursor, encodeCursor } from "./ids.ts";
import {
  LAUNCH_DEADLINE_MS,
  LOST_FORGOTTEN,
  lostUnreachable,
  outcomeOf,
  TIMEOUT_GRACE_MS,
  UNREACHABLE_LOST_AFTER_MS,
} from "./state.ts";
import { parseMetadata, type TaskRow, TaskTables } from "./store.ts";
import {
  isTerminal,
  type ListFilter,
  type LogPage,
  type LogRange,
  type McpOutcome,
  type TaskLaunch,
  type TaskPage,
  type TaskSpec,
  type TaskStatus,
  type TaskView,
} from "./types.ts";

/** Alarm period while tasks run. */
export const POLL_MS = 1_000;
/**
 * Readers refresh a running task whose last look is older than this, so a client polling
 * task_logs sees new output within about this long (plus one sandbox round trip).
 */
const REFRESH_AFTER_MS = 100;
/** Running or queued tasks per workspace. */
export const MAX_ACTIVE_TASKS = 32;
/** Bytes asked of the sandbox per stream and read; reads per refresh (more when finishing). */
const READ_CHUNK_BYTES = 256 * 1024;
const READS_PER_SYNC = 4;
const READS_WHEN_FINISHED = 16;
const TAIL_LINES = 20;
const MAX_PAGE_BYTES = 256 * 1024;
const COMMAND_DISPLAY_CHARS = 300;
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

function notFound(id: string): AppError {
  return new AppError("TASK_NOT_FOUND", `No task ${id.slice(0, 40)} in this workspace.`, {
    suggestion:
      "Task ids belong to one workspace and principal. Use list_tasks to see this workspace's tasks; connect with the same ?workspace= to reach tasks started in an earlier session.",
  });
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export class TaskService {
  readonly #tables: TaskTables;
  readonly #options: TaskServiceOptions;
  readonly #now: () => number;
  readonly #inflight = new Map<string, Promise<void>>();

  constructor(options: TaskServiceOptions) {
    this.#options = options;
    this.#tables = new TaskTables(options.sql, options.settings.TASK_LOG_LIMIT_BYTES);
    this.#now = options.now ?? Date.now;
    this.#tables.migrate();
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
    this.#options.sql.exec("UPDATE tasks SET command = ? WHERE id = ?", launch.command, id);
    if (launch.settings) {
      const { timeoutMs, language, name } = launch.settings;
      this.#options.sql.exec(
        "UPDATE tasks SET timeout_ms = ?, language = ?, name = ? WHERE id = ?",
        timeoutMs,
        language,
        name,
        id,
      );
    }
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
    await this.#refreshIfStale(id);
    const row = this.#row(id);
    return {
      ...this.#view(row),
      tail: this.#tables
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
    await this.#refreshIfStale(id);
    const row = this.#row(id);
    const from = Math.max(range.offset, row.first_line);
    const dropped =
      range.offset < row.first_line && row.dropped_lines > 0
        ? { lines: Math.min(row.first_line - range.offset, row.dropped_lines), bytes: row.dropped_bytes }
        : null;
    const { lines, cut } = this.#tables.lines(id, from, range.limit, MAX_PAGE_BYTES, range.stream);
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
  output(
    id: string,
    capBytes: number,
  ): { stdout: string; stderr: string; truncated: { stdout: boolean; stderr: boolean } } {
    const row = this.#row(id);
    const gather = (stream: "stdout" | "stderr") => {
      const lines = this.#tables.lines(
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
      await Promise.all(cancelled.map((r) => this.#sync(r.id)));
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
      rows.map((r) => this.#sync(r.id).catch((error) => console.warn(`task ${r.id}: refresh failed`, error))),
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
      const children = this.#options.sql
        .exec<{ id: string }>("SELECT id FROM tasks WHERE parent_id = ?", next)
        .toArray();
      for (const c of children) {
        if (seen.has(c.id)) continue;
        seen.add(c.id);
        out.push(c.id);
        queue.push(c.id);
      }
    }
    return out;
  }

  async #refreshIfStale(id: string): Promise<void> {
    const row = this.#row(id);
    if (isTerminal(row.state) && row.logs_open === 0) return;
    // A task nobody has looked at since it started is refreshed by its first reader.
    if (row.last_seen_at !== null && this.#now() - row.last_seen_at < REFRESH_AFTER_MS) return;
    await this.#sync(id);
  }

  #sync(id: string): Promise<void> {
    const running = this.#inflight.get(id);
    if (running) return running;
    const work = this.#syncNow(id).finally(() => this.#inflight.delete(id));
    this.#inflight.set(id, work);
    return work;
  }

  async #syncNow(id: string): Promise<void> {
    const row = this.#tables.get(id);
    if (!row) return;
    const now = this.#now();
    if (row.process_id === null) {
      if (row.state === "queued" && now - row.created_at > LAUNCH_DEADLINE_MS) {
        this.#tables.finish(id, "failed", { reason: "the task was never started" }, now);
      } else if (isTerminal(row.state) && row.logs_open === 1) {
        this.#tables.closeLogs(id);
      }
      return;
    }
    const ws = this.#options.workspace();
    if (!ws) return;
    const backend = this.#options.backend();
    try {
      const info = await backend.getProcess(ws, row.process_id);
      if (info === null) return this.#forgotten(id);
      const ended = info.state !== "running";
      const drained = await this.#drain(backend, ws, id, ended);
      if (drained === "forgotten") return this.#forgotten(id);
      const fresh = this.#row(id);
      if (!isTerminal(fresh.state)) {
        if (ended) {
          const outcome = outcomeOf(info, fresh.timeout_ms) ?? {
            state: "failed",
            exitCode: null,
            reason: null,
          };
          this.#tables.finish(id, outcome.state, { ...outcome, logsOpen: drained === "more" }, this.#now());
        } else if (
          fresh.started_at !== null &&
          this.#now() > fresh.started_at + fresh.timeout_ms + TIMEOUT_GRACE_MS
        ) {
          await backend.killProcess(ws, row.process_id).catch(() => undefined);
          this.#tables.finish(
            id,
            "timed_out",
            {
              reason: `ran longer than its ${fresh.timeout_ms / 1000} s limit and was killed`,
              logsOpen: true,
            },
            this.#now(),
          );
        }
      } else if (ended && drained === "done") {
        this.#tables.closeLogs(id);
      }
    } catch (error) {
      this.#unreachable(id, error);
    }
  }

  /** Reads new output into the log. "more" when the read budget ran out before the end. */
  async #drain(
    backend: SandboxBackend,
    ws: WorkspaceRef,
    id: string,
    final: boolean,
  ): Promise<"done" | "more" | "forgotten"> {
    const reads = final ? READS_WHEN_FINISHED : READS_PER_SYNC;
    for (let i = 0; i < reads; i++) {
      const row = this.#row(id);
      const processId = row.process_id;
      if (processId === null) return "done";
      const logs = await backend.processLogs(ws, processId, {
        stdoutOffset: row.stdout_offset,
        stderrOffset: row.stderr_offset,
        limit: READ_CHUNK_BYTES,
      });
      if (logs === null) return "forgotten";
      // Reading the same range twice would duplicate lines: re-check the offsets we read from.
      const current = this.#row(id);
      if (current.stdout_offset !== row.stdout_offset || current.stderr_offset !== row.stderr_offset)
        continue;
      const gotOut = logs.stdout !== "";
      const gotErr = logs.stderr !== "";
      const lastRead = !gotOut && !gotErr;
      // A partial line is flushed when its stream went quiet, or once the process ended.
      this.#tables.appendOutput(
        current,
        logs,
        { stdout: !gotOut && (final || i === 0), stderr: !gotErr && (final || i === 0) },
        this.#now(),
      );
      if (lastRead) return "done";
      const full = utf8Size(logs.stdout) >= READ_CHUNK_BYTES || utf8Size(logs.stderr) >= READ_CHUNK_BYTES;
      if (!full && !final) return "done";
    }
    return final ? "more" : "done";
  }

  #forgotten(id: string): void {
    const now = this.#now();
    if (!this.#tables.finish(id, "lost", { reason: LOST_FORGOTTEN }, now)) this.#tables.closeLogs(id);
    this.#flushPartials(id);
  }

  #unreachable(id: string, error: unknown): void {
    const row = this.#tables.get(id);
    if (!row) return;
    const since = row.last_seen_at ?? row.started_at ?? row.created_at;
    if (this.#now() - since < UNREACHABLE_LOST_AFTER_MS) return;
    const detail = error instanceof Error ? error.message : String(error);
    if (!this.#tables.finish(id, "lost", { reason: lostUnreachable(detail) }, this.#now())) {
      this.#tables.closeLogs(id);
    }
    this.#flushPartials(id);
  }

  #flushPartials(id: string): void {
    const row = this.#tables.get(id);
    if (!row || (row.stdout_partial === "" && row.stderr_partial === "")) return;
    this.#tables.appendOutput(
      row,
      { stdout: "", stderr: "", stdoutOffset: row.stdout_offset, stderrOffset: row.stderr_offset },
      { stdout: true, stderr: true },
      this.#now(),
    );
    this.#tables.closeLogs(id);
  }

  #view(row: TaskRow): TaskView {
    const end = row.ended_at ?? (row.started_at === null ? null : this.#now());
    return {
      task_id: row.id,
      name: row.name,
      state: row.state,
      origin: row.origin,
      language: row.language,
      command:
        row.command.length > COMMAND_DISPLAY_CHARS
          ? `${row.command.slice(0, COMMAND_DISPLAY_CHARS)}…`
          : row.command,
      parent_task_id: row.parent_id,
      resumed_from: row.resumed_from,
      metadata: parseMetadata(row.metadata),
      exit_code: row.exit_code,
      reason: row.reason,
      timeout_seconds: row.timeout_ms / 1000,
      created_at: iso(row.created_at) as string,
      started_at: iso(row.started_at),
      ended_at: iso(row.ended_at),
      updated_at: iso(row.updated_at) as string,
      duration_ms: row.started_at === null || end === null ? null : Math.max(0, end - row.started_at),
      log: { lines: row.line_count, stored_bytes: row.stored_bytes, dropped_lines: row.dropped_lines },
    };
  }
}

const sizer = new TextEncoder();
function utf8Size(text: string): number {
  return sizer.encode(text).length;
}

/** Joins lines, keeping whole lines from the head and tail when over `capBytes`. */
function capLines(
  lines: string[],
  capBytes: number,
  droppedBytes: number,
): { text: string; truncated: boolean } {
  const sizes = lines.map((l) => utf8Size(l) + 1);
  const total = sizes.reduce((a, b) => a + b, 0);
  const prefix =
    droppedBytes > 0 ? `[... ${droppedBytes} earlier bytes were dropped from the task log ...]\n` : "";
  if (total <= capBytes) return { text: prefix + lines.join("\n"), truncated: droppedBytes > 0 };
  const half = Math.floor(capBytes / 2);
  let headEnd = 0;
  let used = 0;
  while (headEnd < lines.length && used + (sizes[headEnd] ?? 0) <= half) used += sizes[headEnd++] ?? 0;
  let tailStart = lines.length;
  used = 0;
  while (tailStart > headEnd && used + (sizes[tailStart - 1] ?? 0) <= half) used += sizes[--tailStart] ?? 0;
  const omitted = lines.slice(headEnd, tailStart).reduce((a, l) => a + utf8Size(l) + 1, 0);
  const marker = `[... ${omitted} bytes omitted; read the rest with task_logs ...]`;
  return {
    text: prefix + [...lines.slice(0, headEnd), marker, ...lines.slice(tailStart)].join("\n"),
    truncated: true,
  };
}
