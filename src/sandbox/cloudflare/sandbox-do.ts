/**
 * The Sandbox Durable Object class bound as `SANDBOX` (wrangler `[[containers]]`
 * class_name "Sandbox"). It is the SDK's class with two additions:
 *
 * - Internet access is off unless `SANDBOX_ENABLE_INTERNET` is "true"/"1". The
 *   container reads `enableInternet` when it starts, so the var applies from the next
 *   container start (after sleep, destroy or deploy), not to a running container.
 * - A tiny registry of code-interpreter context ids in Durable Object storage. The
 *   container forgets its contexts when it sleeps; this registry does not, which is how
 *   the adapter can tell "context lost" (report `contextReset`) from "first use".
 *
 * - Workspace backups (backup.ts): /workspace is saved to R2 when the container is about
 *   to sleep, and restored before the first operation after any container start.
 *
 * The Worker entry must also export `ContainerProxy` (re-exported here) so the
 * container's outbound traffic can be routed through the Worker; the Worker also installs
 * the code-mode outbound handler (src/worker/codemode-outbound.ts) on this class, so the
 * backend never reaches up into code mode.
 */
import { Sandbox as BaseSandbox, ContainerProxy } from "@cloudflare/sandbox";
import type { WorkspaceRestored } from "../../shared/sandbox-schema.ts";
import type { BackupStatus } from "../backend.ts";
import { type SaveReason, WorkspaceBackups } from "./backup.ts";
import type { BackupEnv } from "./backup-plan.ts";

export { ContainerProxy };

/** Vars this class reads; the rest of the Worker env is irrelevant to it. */
export interface SandboxDoEnv extends BackupEnv {
  SANDBOX_ENABLE_INTERNET?: string;
  /** Where workspace saves go; without it nothing is saved. */
  WORKSPACE_BACKUPS?: R2Bucket;
}

/** The SDK reads its bucket as BACKUP_BUCKET; ours is bound as WORKSPACE_BACKUPS. */
function withBackupBucket<E extends SandboxDoEnv>(env: E): E {
  return env.WORKSPACE_BACKUPS ? { ...env, BACKUP_BUCKET: env.WORKSPACE_BACKUPS } : env;
}

const CONTEXT_KEY_PREFIX = "codemode:code-context:";

export function internetEnabled(env: SandboxDoEnv): boolean {
  const raw = env.SANDBOX_ENABLE_INTERNET?.trim().toLowerCase();
  return raw === "true" || raw === "1";
}

export class Sandbox extends BaseSandbox<SandboxDoEnv> {
  override enableInternet = false;
  /**
   * How archives reach R2: false (deployed) the container uploads through presigned URLs
   * and restores as a FUSE overlay; true (local container runner) this object moves
   * them through its binding and the container extracts with unsquashfs.
   */
  protected readonly backupThroughBinding: boolean = false;
  readonly #backups: WorkspaceBackups;
  /** Operations that reached this object (prepareWorkspace): counted to see activity during a save. */
  #operations = 0;

  constructor(ctx: ConstructorParameters<typeof BaseSandbox>[0], env: SandboxDoEnv) {
    super(ctx, withBackupBucket(env));
    this.enableInternet = internetEnabled(env);
    const self = this;
    this.#backups = new WorkspaceBackups(
      {
        storage: ctx.storage,
        bucket: env.WORKSPACE_BACKUPS,
        name: ctx.id.toString(),
        get localBucket() {
          return self.backupThroughBinding;
        },
        containerRunning: () => ctx.container?.running === true,
        createBackup: (options) => this.createBackup(options),
        restoreBackup: (handle) => this.restoreBackup(handle),
        exec: (command) => this.exec(command, { origin: "internal" }),
      },
      env,
    );
  }

  /** Restores the workspace if this container lacks it; `take` returns the pending notice. */
  prepareWorkspace(take: boolean): Promise<WorkspaceRestored | null> {
    this.#operations++;
    return this.#backups.prepare(take);
  }

  /** Gives back a restore notice taken by a run that then failed. */
  keepRestoreNotice(notice: WorkspaceRestored): Promise<void> {
    return this.#backups.keepNotice(notice);
  }

  saveWorkspace(reason: SaveReason): Promise<BackupStatus> {
    return this.#backups.save(reason);
  }

  backupStatus(): Promise<BackupStatus> {
    return this.#backups.status();
  }

  deleteWorkspaceBackups(): Promise<void> {
    return this.#backups.deleteAll();
  }

  override async onStart(): Promise<void> {
    await this.#backups.containerStarted();
    await super.onStart();
  }

  /**
   * The idle timer ran out: save the workspace, then let the SDK stop the container. A
   * container kept alive (a running task) is not stopped, so it is not saved either. An
   * operation that arrived during the save may have changed files after they were read:
   * then the container stays up (a later expiry saves again) rather than lose them.
   */
  override async onActivityExpired(): Promise<void> {
    const keepAlive = (await this.ctx.storage.get<boolean>("keepAliveEnabled")) === true;
    if (!keepAlive && this.ctx.container?.running) {
      const seen = this.#operations;
      await this.#backups.save("sleep").catch((error) => {
        console.warn("workspace save before sleep failed; the previous save stands", error);
      });
      if (this.#operations !== seen) {
        this.renewActivityTimeout();
        return;
      }
    }
    await super.onActivityExpired();
  }

  /** The interpreter context id last registered for `language`, if any. */
  async getCodeContextId(language: string): Promise<string | null> {
    return (await this.ctx.storage.get<string>(CONTEXT_KEY_PREFIX + language)) ?? null;
  }

  /** Registers (or, with `null`, forgets) the context id used for `language`. */
  async setCodeContextId(language: string, id: string | null): Promise<void> {
    if (id === null) await this.ctx.storage.delete(CONTEXT_KEY_PREFIX + language);
    else await this.ctx.storage.put(CONTEXT_KEY_PREFIX + language, id);
  }
}
