/**
 * Workspace Durable Object: one per (principal, workspace name), outliving MCP sessions.
 *
 * Durability contract: everything a later session must find lives in this object's
 * SQLite storage, never only in instance memory. Tables:
 *   workspace(id=1, principal, name, named, sandbox_id, created_at, last_used_at)
 * (tasks, task logs and the code-mode call log are added by their modules.)
 * Unnamed workspaces are deleted — storage and sandbox — after WORKSPACE_IDLE_TTL_SECONDS
 * without use; the alarm re-arms itself while the workspace is in use.
 */
import { DurableObject } from "cloudflare:workers";
import { configFrom } from "../config/config.ts";
import { AppError } from "../errors/app-error.ts";
import { createSandboxBackend } from "../sandbox/factory.ts";
import { sandboxId, workspaceKey } from "./names.ts";
import type { WorkspaceMeta } from "./schema.ts";

interface Row extends Record<string, SqlStorageValue> {
  principal: string;
  name: string;
  named: number;
  sandbox_id: string;
  created_at: number;
  last_used_at: number;
}

export class Workspace extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.migrate();
  }

  private migrate(): void {
    this.ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS workspace (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      principal TEXT NOT NULL, name TEXT NOT NULL, named INTEGER NOT NULL,
      sandbox_id TEXT NOT NULL, created_at INTEGER NOT NULL, last_used_at INTEGER NOT NULL)`);
  }

  private row(): Row | undefined {
    return this.ctx.storage.sql.exec<Row>("SELECT * FROM workspace WHERE id = 1").toArray()[0];
  }

  private get idleTtlMs(): number {
    return configFrom(this.env).WORKSPACE_IDLE_TTL_SECONDS * 1000;
  }

  private meta(row: Row): WorkspaceMeta {
    return {
      name: row.name,
      named: row.named === 1,
      principal: row.principal,
      sandboxId: row.sandbox_id,
      createdAt: new Date(row.created_at).toISOString(),
      lastUsedAt: new Date(row.last_used_at).toISOString(),
      expiresAt: row.named === 1 ? null : new Date(row.last_used_at + this.idleTtlMs).toISOString(),
    };
  }

  /** Creates the workspace on first use, otherwise marks it used. Returns its metadata. */
  async attach(principal: string, name: string, named: boolean): Promise<WorkspaceMeta> {
    const now = Date.now();
    const existing = this.row();
    if (existing) {
      // Keys embed the principal, so this only fails if routing itself is wrong.
      if (existing.principal !== principal || existing.name !== name) {
        throw new AppError("NOT_FOUND", "Workspace not found.");
      }
      this.ctx.storage.sql.exec("UPDATE workspace SET last_used_at = ? WHERE id = 1", now);
      existing.last_used_at = now;
      return this.meta(existing);
    }
    const row: Row = {
      principal,
      name,
      named: named ? 1 : 0,
      sandbox_id: await sandboxId(workspaceKey(principal, name)),
      created_at: now,
      last_used_at: now,
    };
    this.ctx.storage.sql.exec(
      "INSERT INTO workspace (id, principal, name, named, sandbox_id, created_at, last_used_at) VALUES (1, ?, ?, ?, ?, ?, ?)",
      row.principal,
      row.name,
      row.named,
      row.sandbox_id,
      row.created_at,
      row.last_used_at,
    );
    if (!named) await this.ctx.storage.setAlarm(now + this.idleTtlMs);
    return this.meta(row);
  }

  /** Marks the workspace used now (keeps an unnamed workspace alive). */
  async touch(): Promise<void> {
    this.ctx.storage.sql.exec("UPDATE workspace SET last_used_at = ? WHERE id = 1", Date.now());
  }

  async info(): Promise<WorkspaceMeta | null> {
    const row = this.row();
    return row ? this.meta(row) : null;
  }

  override async alarm(): Promise<void> {
    const row = this.row();
    if (!row || row.named === 1) return;
    const idleUntil = row.last_used_at + this.idleTtlMs;
    if (Date.now() < idleUntil) {
      await this.ctx.storage.setAlarm(idleUntil);
      return;
    }
    // Expired: wipe the sandbox first so no files outlive the record of them.
    try {
      await createSandboxBackend(this.env, configFrom(this.env)).reset({ id: row.sandbox_id });
    } catch (error) {
      console.warn("workspace expiry: sandbox reset failed; retrying later", error);
      await this.ctx.storage.setAlarm(Date.now() + 60_000);
      return;
    }
    await this.ctx.storage.deleteAll();
    this.migrate();
  }
}
