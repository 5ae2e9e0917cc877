/**
 * The code-mode call log, kept in the workspace Durable Object's SQLite so it outlives
 * MCP sessions. The workspace DO calls these helpers; it owns no call-log logic itself.
 *
 * Table: codemode_calls(seq PK, run_id, language, at, tool, args_bytes, duration_ms, ok, error)
 * Retention: the newest MAX_ROWS rows; older ones are deleted on insert.
 */
import type { CodemodeCall } from "./calls.ts";

const MAX_ROWS = 10_000;

export interface CallLogEntry {
  runId: string;
  language: string;
  calls: CodemodeCall[];
}

export interface CallLogRow extends CodemodeCall {
  run_id: string;
  language: string;
  at: string;
}

interface SqlRow extends Record<string, SqlStorageValue> {
  run_id: string;
  language: string;
  at: number;
  tool: string;
  args_bytes: number;
  duration_ms: number;
  ok: number;
  error: string | null;
}

export function migrateCallLog(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS codemode_calls (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, language TEXT NOT NULL,
    at INTEGER NOT NULL, tool TEXT NOT NULL, args_bytes INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL, ok INTEGER NOT NULL, error TEXT)`);
}

export function appendCalls(sql: SqlStorage, entry: CallLogEntry, now = Date.now()): void {
  for (const c of entry.calls) {
    sql.exec(
      "INSERT INTO codemode_calls (run_id, language, at, tool, args_bytes, duration_ms, ok, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      entry.runId,
      entry.language,
      now,
      c.tool,
      c.args_bytes,
      c.duration_ms,
      c.ok ? 1 : 0,
      c.error ?? null,
    );
  }
  sql.exec("DELETE FROM codemode_calls WHERE seq <= (SELECT MAX(seq) FROM codemode_calls) - ?", MAX_ROWS);
}

/** The newest calls first. */
export function recentCalls(sql: SqlStorage, limit: number): CallLogRow[] {
  return sql
    .exec<SqlRow>("SELECT * FROM codemode_calls ORDER BY seq DESC LIMIT ?", limit)
    .toArray()
    .map((r) => {
      const row: CallLogRow = {
        run_id: r.run_id,
        language: r.language,
        at: new Date(r.at).toISOString(),
        tool: r.tool,
        args_bytes: r.args_bytes,
        duration_ms: r.duration_ms,
        ok: r.ok === 1,
      };
      if (r.error !== null) row.error = r.error;
      return row;
    });
}

/** The calls of one run, in the order they were made. */
export function callsOfRun(sql: SqlStorage, runId: string): CodemodeCall[] {
  return sql
    .exec<SqlRow>("SELECT * FROM codemode_calls WHERE run_id = ? ORDER BY seq", runId)
    .toArray()
    .map((r) => {
      const call: CodemodeCall = {
        tool: r.tool,
        args_bytes: r.args_bytes,
        duration_ms: r.duration_ms,
        ok: r.ok === 1,
      };
      if (r.error !== null) call.error = r.error;
      return call;
    });
}
