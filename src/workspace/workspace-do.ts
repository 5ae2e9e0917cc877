/**
 * Workspace Durable Object: one per (principal, workspace name), outliving MCP sessions.
 *
 * Durability contract: everything a later session must find lives in this object's
 * SQLite storage, never only in instance memory. Tables:
 *   workspace(id=1, …) — the workspace's own row, see record.ts
 *   codemode_calls(…) — code-mode call log, see src/codemode/call-log.ts
 *   codemode_runs(…) — open code-mode runs of sandboxed programs, see src/codemode/python/runs.ts
 *   tasks, task_logs — tasks and their output, see src/tasks/store.ts
 *   idempotency — outputs of calls made with an idempotency key, see idempotency.ts
 * KV storage: "codemode:tasks-ran" — a task started since the last save; once no task
 * runs, the alarm saves the workspace's files (backends that save, see src/sandbox/).
 * Unnamed workspaces are deleted — storage and sandbox — after WORKSPACE_IDLE_TTL_SECONDS
 * without use; the alarm re-arms itself while the workspace is in use. The same alarm
 * follows running tasks about once a second (src/tasks/service.ts); a running task
 * counts as use.
 *
 * Its only RPC method is `rpc(area, verb, args)` (see rpc.ts): the verbs are the methods
 * of the record, the task service and the code-mode side, listed once in rpc.ts.
 */
import { DurableObject } from "cloudflare:workers";
import { WorkspaceCodemode } from "../codemode/python/workspace-side.ts";
import { configFrom } from "../config/config.ts";
import { createSandboxBackend } from "../sandbox/factory.ts";
import { TaskService } from "../tasks/service.ts";
import { IdempotencyStore } from "./idempotency.ts";
import { WorkspaceRecord, type WorkspaceRow } from "./record.ts";
import { type Area, dispatch, type RpcResult, type WorkspaceAreas } from "./rpc.ts";
import { claimWarmSandbox } from "./warm-pool.ts";

/** Set when a task starts, cleared by the save once no task runs (KV storage). */
const TASKS_RAN_KEY = "codemode:tasks-ran";
const TASK_STARTS = new Set(["start", "create", "launch"]);

export class Workspace extends DurableObject<Env> {
  #tasks: TaskService | undefined;
  #codemode: WorkspaceCodemode | undefined;
  readonly #record: WorkspaceRecord;
  readonly #idempotency: IdempotencyStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#record = new WorkspaceRecord(
      ctx.storage.sql,
      () => this.idleTtlMs,
      (expiresAt) => ctx.storage.setAlarm(expiresAt),
      () => claimWarmSandbox(env, configFrom(env)),
      (id) => this.releaseSandbox(id),
    );
    this.#idempotency = new IdempotencyStore(ctx.storage.sql);
    this.migrate();
  }

  /** The one RPC entry point; call it through `workspaceClient(stub)`. */
  async rpc(area: Area, verb: string, args: unknown[]): Promise<RpcResult<unknown>> {
    // A task may end before any alarm sees it running: remember that one ran.
    if (area === "tasks" && TASK_STARTS.has(verb)) await this.ctx.storage.put(TASKS_RAN_KEY, true);
    return dispatch(this.areas(), area, verb, args);
  }

  private areas(): WorkspaceAreas {
    return {
      workspace: this.#record,
      tasks: this.tasks,
      codemode: this.codemode,
      idempotency: this.#idempotency,
    };
  }

  private get tasks(): TaskService {
    this.#tasks ??= new TaskService({
      sql: this.ctx.storage.sql,
      settings: configFrom(this.env),
      backend: () => createSandboxBackend(this.env, configFrom(this.env)),
      workspace: () => {
        const row = this.#record.row();
        return row ? { id: row.sandbox_id } : null;
      },
      wake: (at) => this.wakeBy(at),
    });
    return this.#tasks;
  }

  private get codemode(): WorkspaceCodemode {
    this.#codemode ??= new WorkspaceCodemode(this.ctx.storage.sql, this.env, configFrom(this.env));
    return this.#codemode;
  }

  /** Moves the alarm earlier if it is later than `at` (or unset). */
  private async wakeBy(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  private migrate(): void {
    WorkspaceRecord.migrate(this.ctx.storage.sql);
    WorkspaceCodemode.migrate(this.ctx.storage.sql);
    IdempotencyStore.migrate(this.ctx.storage.sql);
  }

  private get idleTtlMs(): number {
    return configFrom(this.env).WORKSPACE_IDLE_TTL_SECONDS * 1000;
  }

  override async alarm(): Promise<void> {
    await this.tasks.tick();
    const row = this.#record.row();
    if (row && !this.tasks.hasActive() && (await this.ctx.storage.get<boolean>(TASKS_RAN_KEY))) {
      await this.ctx.storage.delete(TASKS_RAN_KEY);
      await this.saveAfterTasks(row);
    }
    const next = this.tasks.nextWakeAt();
    if (row && row.named === 0) {
      if (this.tasks.hasActive()) this.#record.touch();
      const idleUntil = (this.#record.row()?.last_used_at ?? row.last_used_at) + this.idleTtlMs;
      if (Date.now() < idleUntil) {
        await this.ctx.storage.setAlarm(Math.min(next ?? idleUntil, idleUntil));
        return;
      }
      await this.expire(row);
      return;
    }
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  /**
   * The last session left: the sandbox frees its idle contexts now rather than at its
   * own idle timeout. Best effort: a failure leaves that to the idle reaper.
   */
  private async releaseSandbox(id: string): Promise<void> {
    try {
      await createSandboxBackend(this.env, configFrom(this.env)).release?.({ id });
    } catch (error) {
      console.warn("workspace: releasing the sandbox's idle contexts failed", error);
    }
  }

  /** The last running task ended: save the files it made (backends that save). */
  private async saveAfterTasks(row: WorkspaceRow): Promise<void> {
    const backend = createSandboxBackend(this.env, configFrom(this.env));
    await backend.saveWorkspace?.({ id: row.sandbox_id }, "task").catch((error) => {
      console.warn("workspace save after a task failed; the previous save stands", error);
    });
  }

  /** Deletes an idle unnamed workspace: its sandbox first, then its storage. */
  private async expire(row: WorkspaceRow): Promise<void> {
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
    this.#codemode = undefined;
    this.migrate();
  }
}
