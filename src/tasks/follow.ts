/**
 * Following a task's sandbox process: read its state and new output, store both, and move
 * the task to a terminal state when the process ends, runs past its limit, or can no
 * longer be observed.
 *
 * Who calls it: the workspace's alarm fires about once a second while any task is active
 * (or still has unread output) and the service's `tick()` syncs every watched task.
 * Readers (status, logs, the events stream) also refresh a task whose last look is older
 * than REFRESH_AFTER_MS, so they never wait for the next alarm. A process the sandbox no
 * longer knows makes its task `lost`; a sandbox unreachable for too long does too
 * (state.ts).
 *
 * Following is also what keeps a Cloudflare container awake while a task runs: every
 * look is a call into the container, and each renews its idle timer (`sleepAfter`), so a
 * task outlives SANDBOX_SLEEP_AFTER_SECONDS however long it runs; when the last task is
 * settled the looks stop and the idle timer runs again. Nothing is left to release if
 * the workspace object goes away, unlike a keep-alive flag on the container.
 *
 * Durability: everything read is stored through store.ts and log-store.ts, whose contract
 * applies. The only instance memory is `#inflight`, which merges concurrent syncs of the
 * same task into one (two overlapping reads of the same byte range would store lines
 * twice); losing it on eviction loses nothing.
 */
import type { SandboxBackend, WorkspaceRef } from "../sandbox/backend.ts";
import { type TaskLogs, utf8Length } from "./log-store.ts";
import {
  LAUNCH_DEADLINE_MS,
  LOST_FORGOTTEN,
  lostUnreachable,
  outcomeOf,
  TIMEOUT_GRACE_MS,
  UNREACHABLE_LOST_AFTER_MS,
} from "./state.ts";
import type { TaskRow, TaskTables } from "./store.ts";
import { isTerminal } from "./types.ts";
import { notFound } from "./view.ts";

/**
 * Readers refresh a running task whose last look is older than this, so a client polling
 * task_logs sees new output within about this long (plus one sandbox round trip).
 */
const REFRESH_AFTER_MS = 100;
/** Bytes asked of the sandbox per stream and read; reads per refresh (more when finishing). */
const READ_CHUNK_BYTES = 256 * 1024;
const READS_PER_SYNC = 4;
const READS_WHEN_FINISHED = 16;

export interface TaskFollowerDeps {
  tables: TaskTables;
  logs: TaskLogs;
  /** The sandbox backend (created on demand: it is cheap and holds no state). */
  backend: () => SandboxBackend;
  /** This workspace's sandbox, or null before the workspace exists. */
  workspace: () => WorkspaceRef | null;
  now: () => number;
}

export class TaskFollower {
  readonly #tables: TaskTables;
  readonly #logs: TaskLogs;
  readonly #backend: () => SandboxBackend;
  readonly #workspace: () => WorkspaceRef | null;
  readonly #now: () => number;
  readonly #inflight = new Map<string, Promise<void>>();

  constructor(deps: TaskFollowerDeps) {
    this.#tables = deps.tables;
    this.#logs = deps.logs;
    this.#backend = deps.backend;
    this.#workspace = deps.workspace;
    this.#now = deps.now;
  }

  /** Syncs the task unless it is settled or was looked at moments ago. Throws TASK_NOT_FOUND. */
  async refreshIfStale(id: string): Promise<void> {
    const row = this.#row(id);
    if (isTerminal(row.state) && row.logs_open === 0) return;
    // A task nobody has looked at since it started is refreshed by its first reader.
    if (row.last_seen_at !== null && this.#now() - row.last_seen_at < REFRESH_AFTER_MS) return;
    await this.sync(id);
  }

  /** Looks at the task's process once; joins a sync of the same task already under way. */
  sync(id: string): Promise<void> {
    const running = this.#inflight.get(id);
    if (running) return running;
    const work = this.#syncNow(id).finally(() => this.#inflight.delete(id));
    this.#inflight.set(id, work);
    return work;
  }

  #row(id: string): TaskRow {
    const row = this.#tables.get(id);
    if (!row) throw notFound(id);
    return row;
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
    const ws = this.#workspace();
    if (!ws) return;
    const backend = this.#backend();
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
      this.#logs.append(
        current,
        logs,
        { stdout: !gotOut && (final || i === 0), stderr: !gotErr && (final || i === 0) },
        this.#now(),
      );
      if (lastRead) return "done";
      const full = utf8Length(logs.stdout) >= READ_CHUNK_BYTES || utf8Length(logs.stderr) >= READ_CHUNK_BYTES;
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

  /** Stores what is left of each stream's unterminated last line; nothing more will come. */
  #flushPartials(id: string): void {
    const row = this.#tables.get(id);
    if (!row || (row.stdout_partial === "" && row.stderr_partial === "")) return;
    this.#logs.append(
      row,
      { stdout: "", stderr: "", stdoutOffset: row.stdout_offset, stderrOffset: row.stderr_offset },
      { stdout: true, stderr: true },
      this.#now(),
    );
    this.#tables.closeLogs(id);
  }
}
