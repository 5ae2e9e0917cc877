/**
 * Idempotency records of one workspace (SQLite of its Durable Object): a state-changing
 * tool call that carries an idempotency key runs once; a repeat with the same key gets
 * the first call's output. 2026-07-28 has no stream resumption, so a client whose
 * response was lost re-sends the call, and this is what keeps it from running twice.
 *
 * Table: idempotency(key, fingerprint, output, claimed_at). `output` is null while the
 * first call runs. A key is bound to the call it was first used with (`fingerprint`:
 * tool and arguments); rows are kept for RETENTION_MS. A claim left behind by a call
 * that never finished (the server restarted) can be taken over once it is `staleMs` old.
 */
export type IdempotencyClaim =
  | { kind: "new" }
  | { kind: "done"; output: string }
  | { kind: "running" }
  | { kind: "mismatch" };

const RETENTION_MS = 24 * 3600 * 1000;

interface Row extends Record<string, SqlStorageValue> {
  fingerprint: string;
  output: string | null;
  claimed_at: number;
}

export class IdempotencyStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  static migrate(sql: SqlStorage): void {
    sql.exec(`CREATE TABLE IF NOT EXISTS idempotency (
      key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, output TEXT, claimed_at INTEGER NOT NULL)`);
  }

  claim(key: string, fingerprint: string, staleMs: number, now = Date.now()): IdempotencyClaim {
    this.#sql.exec("DELETE FROM idempotency WHERE claimed_at < ?", now - RETENTION_MS);
    const row = this.#sql
      .exec<Row>("SELECT fingerprint, output, claimed_at FROM idempotency WHERE key = ?", key)
      .toArray()[0];
    if (!row) {
      this.#sql.exec(
        "INSERT INTO idempotency (key, fingerprint, output, claimed_at) VALUES (?, ?, NULL, ?)",
        key,
        fingerprint,
        now,
      );
      return { kind: "new" };
    }
    if (row.fingerprint !== fingerprint) return { kind: "mismatch" };
    if (row.output !== null) return { kind: "done", output: row.output };
    if (row.claimed_at >= now - staleMs) return { kind: "running" };
    this.#sql.exec("UPDATE idempotency SET claimed_at = ? WHERE key = ?", now, key);
    return { kind: "new" };
  }

  finish(key: string, output: string): void {
    this.#sql.exec("UPDATE idempotency SET output = ? WHERE key = ? AND output IS NULL", output, key);
  }

  /** The call failed before it had an outcome worth repeating: let the next one run. */
  release(key: string): void {
    this.#sql.exec("DELETE FROM idempotency WHERE key = ? AND output IS NULL", key);
  }
}
