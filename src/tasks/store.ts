/**
 * Task storage in the workspace Durable Object's SQLite: the `tasks` table. Task output
 * (the `task_logs` table and the log columns of `tasks`) is log-store.ts.
 *
 * Durability contract (for both files)
 * - Every fact about a task lives in these tables; nothing per task lives in instance
 *   memory, so eviction, restarts and new sessions lose nothing. What the sandbox has
 *   produced but we have not yet read is re-read from the stored byte offsets.
 * - Each write method is a single synchronous SQL batch: a Durable Object never
 *   interleaves another request inside one, so a state change, its log lines and the
 *   new offsets land together or not at all.
 * - States only move forward: `queued` → `running` → a terminal state (see types.ts).
 *   Updates of a task's state are guarded by `state IN ('queued','running')`, so a late
 *   poll can never overwrite a cancellation or resurrect a finished task.
 *
 * Layout
 *   tasks(seq PK autoincrement, id UNIQUE, origin, name, language, command, parent_id,
 *         resumed_from, metadata JSON, state, process_id, exit_code, reason, timeout_ms,
 *         created_at, started_at, ended_at, updated_at, last_seen_at,
 *         logs_open, stdout_offset, stderr_offset, stdout_partial, stderr_partial,
 *         line_count, first_line, stored_bytes, dropped_lines, dropped_bytes,
 *         mcp_status, mcp_result)
 *   task_logs(task_id, n, stream, text, at) — see log-store.ts.
 * `seq` orders tasks (newest first) and is what list cursors encode. `logs_open` is 1
 * while a task's output may still grow, which keeps it watched after it has finished.
 *
 * Caps
 * - Stored log per task and per line: see log-store.ts.
 * - Finished tasks and their logs are deleted TASK_RETENTION_SECONDS after they end.
 */
import type { Language } from "../shared/sandbox-schema.ts";
import {
  ACTIVE_STATES,
  type ChildCounts,
  type McpOutcome,
  type TaskLaunch,
  type TaskMetadata,
  type TaskOrigin,
  type TaskSpec,
  type TaskState,
} from "./types.ts";

export interface TaskRow extends Record<string, SqlStorageValue> {
  seq: number;
  id: string;
  origin: TaskOrigin;
  name: string | null;
  language: Language | null;
  command: string;
  parent_id: string | null;
  resumed_from: string | null;
  metadata: string | null;
  state: TaskState;
  process_id: string | null;
  exit_code: number | null;
  reason: string | null;
  timeout_ms: number;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  updated_at: number;
  last_seen_at: number | null;
  logs_open: number;
  stdout_offset: number;
  stderr_offset: number;
  stdout_partial: string;
  stderr_partial: string;
  line_count: number;
  first_line: number;
  stored_bytes: number;
  dropped_lines: number;
  dropped_bytes: number;
  mcp_status: string | null;
  mcp_result: string | null;
}

const ACTIVE_SQL = `(${ACTIVE_STATES.map((s) => `'${s}'`).join(",")})`;

export class TaskTables {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  migrate(): void {
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS tasks (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE, origin TEXT NOT NULL, name TEXT, language TEXT,
      command TEXT NOT NULL, parent_id TEXT, resumed_from TEXT, metadata TEXT,
      state TEXT NOT NULL, process_id TEXT, exit_code INTEGER, reason TEXT,
      timeout_ms INTEGER NOT NULL, created_at INTEGER NOT NULL, started_at INTEGER,
      ended_at INTEGER, updated_at INTEGER NOT NULL, last_seen_at INTEGER,
      logs_open INTEGER NOT NULL DEFAULT 0,
      stdout_offset INTEGER NOT NULL DEFAULT 0, stderr_offset INTEGER NOT NULL DEFAULT 0,
      stdout_partial TEXT NOT NULL DEFAULT '', stderr_partial TEXT NOT NULL DEFAULT '',
      line_count INTEGER NOT NULL DEFAULT 0, first_line INTEGER NOT NULL DEFAULT 0,
      stored_bytes INTEGER NOT NULL DEFAULT 0, dropped_lines INTEGER NOT NULL DEFAULT 0,
      dropped_bytes INTEGER NOT NULL DEFAULT 0, mcp_status TEXT, mcp_result TEXT)`);
    this.#sql.exec("CREATE INDEX IF NOT EXISTS tasks_by_parent ON tasks (parent_id, seq)");
    this.#sql.exec("CREATE INDEX IF NOT EXISTS tasks_by_state ON tasks (state, seq)");
  }

  insert(spec: TaskSpec, command: string, now: number): void {
    this.#sql.exec(
      `INSERT INTO tasks (id, origin, name, language, command, parent_id, resumed_from, metadata,
         state, timeout_ms, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)`,
      spec.id,
      spec.origin,
      spec.name,
      spec.language,
      command,
      spec.parentId,
      spec.resumedFrom,
      spec.metadata === null ? null : JSON.stringify(spec.metadata),
      spec.timeoutMs,
      now,
      now,
    );
  }

  get(id: string): TaskRow | undefined {
    return this.#sql.exec<TaskRow>("SELECT * FROM tasks WHERE id = ?", id).toArray()[0];
  }

  exists(id: string): boolean {
    return this.#sql.exec("SELECT 1 FROM tasks WHERE id = ?", id).toArray().length > 0;
  }

  countActive(): number {
    const row = this.#sql
      .exec<{ c: number }>(`SELECT COUNT(*) AS c FROM tasks WHERE state IN ${ACTIVE_SQL}`)
      .one();
    return row.c;
  }

  /** Tasks whose process or output still needs watching. */
  watched(): TaskRow[] {
    return this.#sql
      .exec<TaskRow>(`SELECT * FROM tasks WHERE state IN ${ACTIVE_SQL} OR logs_open = 1 ORDER BY seq`)
      .toArray();
  }

  /** Every direct child of a task, finished or not. */
  childIds(id: string): string[] {
    return this.#sql
      .exec<{ id: string }>("SELECT id FROM tasks WHERE parent_id = ?", id)
      .toArray()
      .map((r) => r.id);
  }

  childCounts(id: string): ChildCounts {
    const counts: ChildCounts = {
      total: 0,
      queued: 0,
      running: 0,
      completed: 0,
      failed: 0,
      cancelled: 0,
      timed_out: 0,
      lost: 0,
    };
    const rows = this.#sql
      .exec<{ state: TaskState; c: number }>(
        "SELECT state, COUNT(*) AS c FROM tasks WHERE parent_id = ? GROUP BY state",
        id,
      )
      .toArray();
    for (const r of rows) {
      counts[r.state] += r.c;
      counts.total += r.c;
    }
    return counts;
  }

  /** Newest first, strictly older than `beforeSeq`; one extra row tells whether more exist. */
  page(
    filter: { state?: TaskState | undefined; parentId?: string | undefined },
    beforeSeq: number,
    limit: number,
  ) {
    const where = ["seq < ?"];
    const binds: SqlStorageValue[] = [beforeSeq];
    if (filter.state !== undefined) {
      where.push("state = ?");
      binds.push(filter.state);
    }
    if (filter.parentId !== undefined) {
      where.push("parent_id = ?");
      binds.push(filter.parentId);
    }
    const rows = this.#sql
      .exec<TaskRow>(
        `SELECT * FROM tasks WHERE ${where.join(" AND ")} ORDER BY seq DESC LIMIT ?`,
        ...binds,
        limit + 1,
      )
      .toArray();
    return { rows: rows.slice(0, limit), more: rows.length > limit };
  }

  /** Records the command a queued task runs and any settings its launch replaces. */
  setLaunch(id: string, launch: TaskLaunch): void {
    this.#sql.exec("UPDATE tasks SET command = ? WHERE id = ?", launch.command, id);
    if (launch.settings) {
      const { timeoutMs, language, name } = launch.settings;
      this.#sql.exec(
        "UPDATE tasks SET timeout_ms = ?, language = ?, name = ? WHERE id = ?",
        timeoutMs,
        language,
        name,
        id,
      );
    }
  }

  markRunning(id: string, processId: string, now: number): boolean {
    const cursor = this.#sql.exec(
      `UPDATE tasks SET state = 'running', process_id = ?, started_at = ?, updated_at = ?, logs_open = 1
       WHERE id = ? AND state = 'queued'`,
      processId,
      now,
      now,
      id,
    );
    return cursor.rowsWritten > 0;
  }

  /** Records the process of a task that was cancelled while it was being started. */
  attachProcess(id: string, processId: string): void {
    this.#sql.exec("UPDATE tasks SET process_id = ?, logs_open = 1 WHERE id = ?", processId, id);
  }

  /**
   * Moves an active task to a terminal state. Returns false (and changes nothing) when
   * the task had already finished.
   */
  finish(
    id: string,
    state: TaskState,
    fields: { exitCode?: number | null; reason?: string | null; logsOpen?: boolean },
    now: number,
  ): boolean {
    const cursor = this.#sql.exec(
      `UPDATE tasks SET state = ?, exit_code = ?, reason = ?, ended_at = ?, updated_at = ?,
         logs_open = ?
       WHERE id = ? AND state IN ${ACTIVE_SQL}`,
      state,
      fields.exitCode ?? null,
      fields.reason ?? null,
      now,
      now,
      fields.logsOpen ? 1 : 0,
      id,
    );
    return cursor.rowsWritten > 0;
  }

  setReason(id: string, reason: string, now: number): void {
    this.#sql.exec("UPDATE tasks SET reason = ?, updated_at = ? WHERE id = ?", reason, now, id);
  }

  closeLogs(id: string): void {
    this.#sql.exec("UPDATE tasks SET logs_open = 0 WHERE id = ?", id);
  }

  storeMcpOutcome(id: string, outcome: McpOutcome, now: number): void {
    this.#sql.exec(
      "UPDATE tasks SET mcp_status = ?, mcp_result = ?, updated_at = ? WHERE id = ?",
      outcome.status,
      outcome.result,
      now,
      id,
    );
  }

  /** Deletes finished tasks (and their logs) that ended before `cutoff`. */
  prune(cutoff: number): number {
    const ids = this.#sql
      .exec<{ id: string }>(
        `SELECT id FROM tasks WHERE state NOT IN ${ACTIVE_SQL} AND logs_open = 0 AND ended_at < ?`,
        cutoff,
      )
      .toArray()
      .map((r) => r.id);
    for (const id of ids) {
      this.#sql.exec("DELETE FROM task_logs WHERE task_id = ?", id);
      this.#sql.exec("DELETE FROM tasks WHERE id = ?", id);
    }
    return ids.length;
  }

  /** When the oldest finished task ended, for scheduling the next prune. */
  oldestEnded(): number | null {
    const row = this.#sql
      .exec<{ t: number | null }>(`SELECT MIN(ended_at) AS t FROM tasks WHERE state NOT IN ${ACTIVE_SQL}`)
      .one();
    return row.t;
  }
}

export function parseMetadata(raw: string | null): TaskMetadata | null {
  if (raw === null) return null;
  try {
    return JSON.parse(raw) as TaskMetadata;
  } catch {
    return null;
  }
}
