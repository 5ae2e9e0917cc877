/**
 * Code-mode runs of sandboxed programs (Python), kept by the workspace Durable Object.
 *
 * A run is opened before the program starts and closed when it ends. Its token is
 * stored only as a SHA-256 hash. A call is accepted only while the run is open, before
 * its deadline, with the run's token — so a call after the run ended (a leftover
 * background process, a replayed request) is refused even if the token leaked.
 *
 * Table: codemode_runs(run_id PK, token_hash, sandbox_id, opened_at, expires_at, closed)
 * Rows older than a day past their deadline are deleted when a run opens.
 * Upstream calls themselves go to the call log (call-log.ts) as they happen.
 */

import { randomHex, toHex } from "../../shared/encoding.ts";

const DAY_MS = 86_400_000;

interface RunRow extends Record<string, SqlStorageValue> {
  run_id: string;
  token_hash: string;
  sandbox_id: string | null;
  expires_at: number;
  closed: number;
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

export function migrateRuns(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS codemode_runs (
    run_id TEXT PRIMARY KEY, token_hash TEXT NOT NULL, sandbox_id TEXT,
    opened_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, closed INTEGER NOT NULL DEFAULT 0)`);
}

export type RunCheck = "ok" | "unknown" | "ended" | "bad-token" | "wrong-sandbox";

export class RunRegistry {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /** Opens a run accepting calls until `deadlineMs` (epoch ms); returns its id and token. */
  async open(deadlineMs: number, sandboxId?: string): Promise<{ runId: string; token: string }> {
    const now = Date.now();
    this.#sql.exec("DELETE FROM codemode_runs WHERE expires_at < ?", now - DAY_MS);
    const runId = randomHex(16);
    const token = randomHex(32);
    this.#sql.exec(
      "INSERT INTO codemode_runs (run_id, token_hash, sandbox_id, opened_at, expires_at) VALUES (?, ?, ?, ?, ?)",
      runId,
      toHex(await sha256(token)),
      sandboxId ?? null,
      now,
      deadlineMs,
    );
    return { runId, token };
  }

  /** Checks a call's credentials; `sandboxId` is checked when the channel can tell it. */
  async check(runId: string, token: string, sandboxId?: string): Promise<RunCheck> {
    const row = this.#sql.exec<RunRow>("SELECT * FROM codemode_runs WHERE run_id = ?", runId).toArray()[0];
    if (!row) return "unknown";
    const given = await sha256(token);
    const want = Uint8Array.from(row.token_hash.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
    if (given.byteLength !== want.byteLength || !crypto.subtle.timingSafeEqual(given, want))
      return "bad-token";
    if (row.closed === 1 || Date.now() > row.expires_at) return "ended";
    if (sandboxId !== undefined && row.sandbox_id !== null && row.sandbox_id !== sandboxId)
      return "wrong-sandbox";
    return "ok";
  }

  close(runId: string): void {
    this.#sql.exec("UPDATE codemode_runs SET closed = 1 WHERE run_id = ?", runId);
  }
}
