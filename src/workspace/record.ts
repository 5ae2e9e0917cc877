/**
 * The workspace's own row: who owns it, its name, its sandbox, when it was last used.
 *
 * Table: workspace(id=1, principal, name, named, sandbox_id, created_at, last_used_at),
 * exactly one row once the workspace exists. `sandbox_id` is a pre-started container's
 * from the warm pool when one was ready at creation, else derived from the workspace key;
 * either way it never changes afterwards. Unnamed workspaces expire
 * WORKSPACE_IDLE_TTL_SECONDS after `last_used_at` (the Durable Object's alarm decides).
 *
 * Table: workspace_sessions(session_id, attached_at), the MCP sessions attached now (a
 * named workspace is shared by sessions). When the last one leaves, the sandbox frees
 * what it holds between calls (idle interpreter contexts, a warm shell); files and
 * tasks stay. A session that vanishes without leaving is covered by the sandbox's own
 * idle reaper.
 */
import { AppError } from "../errors/app-error.ts";
import { sandboxId, workspaceKey } from "./names.ts";
import type { WorkspaceMeta } from "./schema.ts";

export interface WorkspaceRow extends Record<string, SqlStorageValue> {
  principal: string;
  name: string;
  named: number;
  sandbox_id: string;
  created_at: number;
  last_used_at: number;
}

export class WorkspaceRecord {
  readonly #sql: SqlStorage;
  readonly #idleTtlMs: () => number;
  /** Called when an unnamed workspace is created, with the time it would expire. */
  readonly #onCreated: (expiresAt: number) => Promise<void>;
  /** A pre-started sandbox for a new workspace (the warm pool), or null. */
  readonly #claimSandbox: () => Promise<string | null>;
  /** Called with the sandbox id when the last attached session has left. */
  readonly #onUnused: (sandboxId: string) => Promise<void>;

  constructor(
    sql: SqlStorage,
    idleTtlMs: () => number,
    onCreated: (expiresAt: number) => Promise<void>,
    claimSandbox: () => Promise<string | null> = async () => null,
    onUnused: (sandboxId: string) => Promise<void> = async () => undefined,
  ) {
    this.#sql = sql;
    this.#idleTtlMs = idleTtlMs;
    this.#onCreated = onCreated;
    this.#claimSandbox = claimSandbox;
    this.#onUnused = onUnused;
  }

  static migrate(sql: SqlStorage): void {
    sql.exec(`CREATE TABLE IF NOT EXISTS workspace (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      principal TEXT NOT NULL, name TEXT NOT NULL, named INTEGER NOT NULL,
      sandbox_id TEXT NOT NULL, created_at INTEGER NOT NULL, last_used_at INTEGER NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS workspace_sessions (
      session_id TEXT PRIMARY KEY, attached_at INTEGER NOT NULL)`);
  }

  row(): WorkspaceRow | undefined {
    return this.#sql.exec<WorkspaceRow>("SELECT * FROM workspace WHERE id = 1").toArray()[0];
  }

  /**
   * Creates the workspace on first use, otherwise marks it used. Returns its metadata.
   * `sessionId`: the MCP session attaching (counted until it calls `detach`).
   */
  async attach(principal: string, name: string, named: boolean, sessionId?: string): Promise<WorkspaceMeta> {
    const now = Date.now();
    if (sessionId !== undefined) {
      this.#sql.exec(
        "INSERT OR IGNORE INTO workspace_sessions (session_id, attached_at) VALUES (?, ?)",
        sessionId,
        now,
      );
    }
    const existing = this.row();
    if (existing) {
      // Keys embed the principal, so this only fails if routing itself is wrong.
      if (existing.principal !== principal || existing.name !== name) {
        throw new AppError("NOT_FOUND", "Workspace not found.");
      }
      this.#sql.exec("UPDATE workspace SET last_used_at = ? WHERE id = 1", now);
      existing.last_used_at = now;
      return this.#meta(existing);
    }
    const pooled = await this.#claimSandbox();
    // The claim left the object open to another attach of this new workspace: if that one
    // created the row meanwhile, use it (the claimed container is never used by anyone).
    if (pooled !== null && this.row()) return this.attach(principal, name, named);
    const row: WorkspaceRow = {
      principal,
      name,
      named: named ? 1 : 0,
      // Stored, so the workspace keeps the sandbox it got (pooled or derived) for good.
      sandbox_id: pooled ?? (await sandboxId(workspaceKey(principal, name))),
      created_at: now,
      last_used_at: now,
    };
    this.#sql.exec(
      "INSERT INTO workspace (id, principal, name, named, sandbox_id, created_at, last_used_at) VALUES (1, ?, ?, ?, ?, ?, ?)",
      row.principal,
      row.name,
      row.named,
      row.sandbox_id,
      row.created_at,
      row.last_used_at,
    );
    if (!named) await this.#onCreated(now + this.#idleTtlMs());
    return this.#meta(row);
  }

  /**
   * Session `sessionId` went away (closed by its client or expired). When it was the
   * last, the sandbox is told to free its idle contexts. Returns the sessions left.
   */
  async detach(sessionId: string): Promise<number> {
    const gone = this.#sql.exec("DELETE FROM workspace_sessions WHERE session_id = ?", sessionId).rowsWritten;
    const left = this.sessionCount();
    const row = this.row();
    if (gone > 0 && left === 0 && row) await this.#onUnused(row.sandbox_id);
    return left;
  }

  /** Sessions attached now. */
  sessionCount(): number {
    return this.#sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM workspace_sessions").one().n;
  }

  /** Marks the workspace used now (keeps an unnamed workspace alive). */
  touch(): void {
    this.#sql.exec("UPDATE workspace SET last_used_at = ? WHERE id = 1", Date.now());
  }

  info(): WorkspaceMeta | null {
    const row = this.row();
    return row ? this.#meta(row) : null;
  }

  #meta(row: WorkspaceRow): WorkspaceMeta {
    return {
      name: row.name,
      named: row.named === 1,
      principal: row.principal,
      sandboxId: row.sandbox_id,
      createdAt: new Date(row.created_at).toISOString(),
      lastUsedAt: new Date(row.last_used_at).toISOString(),
      expiresAt: row.named === 1 ? null : new Date(row.last_used_at + this.#idleTtlMs()).toISOString(),
    };
  }
}
