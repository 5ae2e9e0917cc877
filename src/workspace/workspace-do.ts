/**
 * Workspace Durable Object: one per (principal, workspace name), outliving MCP sessions.
 *
 * Durability contract: everything a later session must find lives in this object's
 * SQLite storage, never only in instance memory. Tables:
 *   workspace(id=1, principal, name, named, sandbox_id, created_at, last_used_at)
 *   codemode_calls(…) — code-mode call log, see src/codemode/call-log.ts
 *   codemode_runs(…) — open code-mode runs of sandboxed programs, see src/codemode/python/runs.ts
 *   tasks, task_logs — tasks and their output, see src/tasks/store.ts
 * Unnamed workspaces are deleted — storage and sandbox — after WORKSPACE_IDLE_TTL_SECONDS
 * without use; the alarm re-arms itself while the workspace is in use. The same alarm
 * follows running tasks about once a second (src/tasks/service.ts); a running task
 * counts as use.
 */
import { DurableObject } from "cloudflare:workers";
import {
  appendCalls,
  type CallLogEntry,
  type CallLogRow,
  migrateCallLog,
  recentCalls,
} from "../codemode/call-log.ts";
import type { CodemodeCall } from "../codemode/calls.ts";
import type { OpenedRun, OpenRunOptions } from "../codemode/python/types.ts";
import type { CallbackReply } from "../codemode/python/wire.ts";
import { WorkspaceCodemode } from "../codemode/python/workspace-side.ts";
import { configFrom } from "../config/config.ts";
import { AppError } from "../errors/app-error.ts";
import { createSandboxBackend } from "../sandbox/factory.ts";
import { type RpcResult, rpcResult, type TaskOutput } from "../tasks/api.ts";
import { TaskService } from "../tasks/service.ts";
import type {
  ListFilter,
  LogPage,
  LogRange,
  McpOutcome,
  TaskLaunch,
  TaskPage,
  TaskSpec,
  TaskStatus,
  TaskView,
} from "../tasks/types.ts";
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
  #tasks: TaskService | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.migrate();
  }

  private get tasks(): TaskService {
    this.#tasks ??= new TaskService({
      sql: this.ctx.storage.sql,
      settings: configFrom(this.env),
      backend: () => createSandboxBackend(this.env, configFrom(this.env)),
      workspace: () => {
        const row = this.row();
        return row ? { id: row.sandbox_id } : null;
      },
      wake: (at) => this.wakeBy(at),
    });
    return this.#tasks;
  }

  /** Moves the alarm earlier if it is later than `at` (or unset). */
  private async wakeBy(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  private migrate(): void {
    this.ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS workspace (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      principal TEXT NOT NULL, name TEXT NOT NULL, named INTEGER NOT NULL,
      sandbox_id TEXT NOT NULL, created_at INTEGER NOT NULL, last_used_at INTEGER NOT NULL)`);
    migrateCallLog(this.ctx.storage.sql);
    WorkspaceCodemode.migrate(this.ctx.storage.sql);
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

  /** Appends one code-mode run's upstream calls to the call log. */
  async recordCodemodeCalls(entry: CallLogEntry): Promise<void> {
    appendCalls(this.ctx.storage.sql, entry);
  }

  /** The newest code-mode calls first, at most `limit`. */
  async codemodeCalls(limit = 100): Promise<CallLogRow[]> {
    return recentCalls(this.ctx.storage.sql, Math.min(Math.max(1, limit), 1000));
  }

  // ── code mode for sandboxed programs: thin RPC surface over src/codemode/python/ ──
  private codemodeRuns?: WorkspaceCodemode;
  private get codemode(): WorkspaceCodemode {
    this.codemodeRuns ??= new WorkspaceCodemode(this.ctx.storage.sql, this.env, configFrom(this.env));
    return this.codemodeRuns;
  }

  /** Opens a run whose program may call upstream tools until it is closed. */
  async openCodemodeRun(options: OpenRunOptions): Promise<OpenedRun> {
    return this.codemode.openRun(options);
  }

  /** One call from a run's program (via the Worker's callback route or outbound handler). */
  async codemodeCall(
    runId: string,
    token: string,
    body: unknown,
    sandboxId?: string,
  ): Promise<CallbackReply> {
    return this.codemode.call(runId, token, body, sandboxId);
  }

  /** Ends a run; returns the calls it made. */
  async closeCodemodeRun(runId: string): Promise<CodemodeCall[]> {
    return this.codemode.closeRun(runId);
  }

  // ── tasks: thin RPC surface over src/tasks/service.ts ───────────────────
  // Failures come back as values (RpcResult), not exceptions: an AppError thrown across
  // RPC loses its class and is logged as uncaught on this side.

  async startTask(spec: TaskSpec, launch: TaskLaunch): Promise<RpcResult<TaskView>> {
    return rpcResult(() => this.tasks.start(spec, launch));
  }

  /** Creates a queued task whose process `launchTask` starts (MCP task-augmented calls). */
  async createTask(spec: TaskSpec): Promise<RpcResult<TaskView>> {
    return rpcResult(() => this.tasks.create(spec));
  }

  async launchTask(id: string, launch: TaskLaunch): Promise<RpcResult<TaskView>> {
    return rpcResult(() => this.tasks.launch(id, launch));
  }

  async taskStatus(id: string): Promise<RpcResult<TaskStatus>> {
    return rpcResult(() => this.tasks.status(id));
  }

  async listTasks(filter: ListFilter): Promise<RpcResult<TaskPage>> {
    return rpcResult(() => this.tasks.list(filter));
  }

  async taskLogs(id: string, range: LogRange): Promise<RpcResult<LogPage>> {
    return rpcResult(() => this.tasks.logs(id, range));
  }

  async taskOutput(id: string, capBytes: number): Promise<RpcResult<TaskOutput>> {
    return rpcResult(() => this.tasks.output(id, capBytes));
  }

  async cancelTask(id: string): Promise<RpcResult<TaskStatus>> {
    return rpcResult(() => this.tasks.cancel(id));
  }

  async storeTaskOutcome(id: string, outcome: McpOutcome): Promise<RpcResult<void>> {
    return rpcResult(() => this.tasks.storeMcpOutcome(id, outcome));
  }

  async taskOutcome(id: string): Promise<RpcResult<McpOutcome | null>> {
    return rpcResult(() => this.tasks.mcpOutcome(id));
  }

  async settleTask(
    id: string,
    state: "completed" | "failed",
    reason: string | null,
  ): Promise<RpcResult<void>> {
    return rpcResult(() => this.tasks.settle(id, state, reason));
  }

  override async alarm(): Promise<void> {
    await this.tasks.tick();
    const row = this.row();
    const next = this.tasks.nextWakeAt();
    if (row && row.named === 0) {
      if (this.tasks.hasActive()) await this.touch();
      const idleUntil = (this.row()?.last_used_at ?? row.last_used_at) + this.idleTtlMs;
      if (Date.now() < idleUntil) {
        await this.ctx.storage.setAlarm(Math.min(next ?? idleUntil, idleUntil));
        return;
      }
      await this.expire(row);
      return;
    }
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  /** Deletes an idle unnamed workspace: its sandbox first, then its storage. */
  private async expire(row: Row): Promise<void> {
    // Expired: wipe the sandbox first so no files outlive the record of them.
    try {
      await createSandboxBackend(this.env, configFrom(this.env)).reset({ id: row.sandbox_id });
    } catch (error) {
      console.warn("workspace expiry: sandbox reset failed; retrying later", error);
      await this.ctx.storage.setAlarm(Date.now() + 60_000);
      return;
    }
    await this.ctx.storage.deleteAll();
    this.#tasks = undefined;
    this.migrate();
  }
}
