/**
 * `SandboxBackend` on Cloudflare Sandbox containers (@cloudflare/sandbox 0.12.10).
 * One container (one Sandbox Durable Object) per workspace, reached over the SDK's
 * `rpc` transport. The adapter instance holds no workspace state: code-context ids
 * live in the Sandbox DO (see sandbox-do.ts), everything else in the container.
 *
 * @example
 * const backend = new CloudflareSandboxBackend(env.SANDBOX, { sleepAfter: "15m" });
 * await backend.exec({ id: "alice-main" }, "ls", { timeoutMs: 30_000, outputLimitBytes: 65_536 });
 */
import { type SandboxOptions, getSandbox as sdkGetSandbox } from "@cloudflare/sandbox";
import type { WorkspaceRestored } from "../../shared/sandbox-schema.ts";
import type {
  BackupStatus,
  ExecOptions,
  ExecOutcome,
  FileEntry,
  FileStat,
  Language,
  ProcessInfo,
  ProcessLogs,
  RunCodeOptions,
  RunCodeOutcome,
  SandboxBackend,
  StartProcessOptions,
  WorkspaceDurability,
  WorkspaceRef,
} from "../backend.ts";
import { cloudflareDurability } from "../durability.ts";
import { runCodeIn } from "./code.ts";
import { bounded, withDeadline } from "./deadline.ts";
import { toAppError } from "./errors.ts";
import { runExec } from "./exec.ts";
import { WorkspaceFiles } from "./files.ts";
import { toWorkspacePath, WORKSPACE_ROOT } from "./paths.ts";
import { WorkspaceProcesses } from "./processes.ts";
import type { Sandbox } from "./sandbox-do.ts";
import { sandboxIdFor } from "./sandbox-id.ts";
import type { AdapterSettings, GetSandbox, SandboxApi } from "./types.ts";

const CODE_LANGUAGES = ["python", "javascript", "typescript"] as const;

export interface CloudflareSandboxOptions {
  /** Substitute for the SDK's `getSandbox` (tests). */
  getSandbox?: GetSandbox;
  /** Idle time before the container sleeps, and with it /workspace is wiped. Default "10m". */
  sleepAfter?: string | number;
  /** Extra wait beyond a run's own timeout before giving up on the container (ms). Default 15 s. */
  hangGraceMs?: number;
  /** Deadline for short SDK calls such as file operations (ms). Default 30 s. */
  callTimeoutMs?: number;
  containerTimeouts?: SandboxOptions["containerTimeouts"];
  /** The Worker has a WORKSPACE_BACKUPS bucket: /workspace is saved and restored. */
  backups?: boolean;
  /** Deadline for restoring a workspace before an operation (ms). Default 5 min. */
  restoreTimeoutMs?: number;
}

export class CloudflareSandboxBackend implements SandboxBackend {
  readonly kind = "cloudflare" as const;
  readonly durability: WorkspaceDurability;
  readonly #namespace: DurableObjectNamespace<Sandbox>;
  readonly #getSandbox: GetSandbox;
  readonly #sdkOptions: SandboxOptions;
  readonly #settings: AdapterSettings;
  readonly #backups: boolean;
  readonly #restoreTimeoutMs: number;

  constructor(namespace: DurableObjectNamespace<Sandbox>, options: CloudflareSandboxOptions = {}) {
    this.#namespace = namespace;
    this.#getSandbox = options.getSandbox ?? sdkGetSandbox;
    const sleepAfter = options.sleepAfter ?? "10m";
    this.#sdkOptions = {
      // rpc avoids per-request subrequest limits and the 32 MB HTTP body limit.
      transport: "rpc",
      sleepAfter,
      keepAlive: false,
      ...(options.containerTimeouts ? { containerTimeouts: options.containerTimeouts } : {}),
    };
    this.#settings = {
      hangGraceMs: options.hangGraceMs ?? 15_000,
      callTimeoutMs: options.callTimeoutMs ?? 30_000,
    };
    this.#backups = options.backups ?? false;
    this.#restoreTimeoutMs = options.restoreTimeoutMs ?? 300_000;
    this.durability = cloudflareDurability(sleepAfter, this.#backups);
  }

  async exec(ws: WorkspaceRef, command: string, options: ExecOptions): Promise<ExecOutcome> {
    // Lexical check only: user code can reach any directory of its own container
    // anyway, so a realpath round trip would buy nothing here.
    const cwd = toWorkspacePath(options.cwd ?? WORKSPACE_ROOT);
    const { sandbox, notice } = await this.#prepared(ws, true);
    try {
      const outcome = await runExec(sandbox, command, cwd, options, this.#settings);
      return notice ? { ...outcome, workspaceRestored: notice } : outcome;
    } catch (error) {
      await this.#keepNotice(sandbox, notice);
      throw toAppError(error, "run the command");
    }
  }

  async runCode(
    ws: WorkspaceRef,
    code: string,
    language: Exclude<Language, "bash">,
    options: RunCodeOptions,
  ): Promise<RunCodeOutcome> {
    const { sandbox, notice } = await this.#prepared(ws, true);
    try {
      const outcome = await runCodeIn(sandbox, code, language, options, this.#settings);
      // The container started again: whatever the registry knew, memory is gone.
      return notice ? { ...outcome, contextReset: true, workspaceRestored: notice } : outcome;
    } catch (error) {
      await this.#keepNotice(sandbox, notice);
      throw toAppError(error, `run ${language} code`);
    }
  }

  async readFile(ws: WorkspaceRef, path: string): Promise<Uint8Array> {
    return this.#files((await this.#prepared(ws, false)).sandbox).read(path);
  }

  async writeFile(ws: WorkspaceRef, path: string, data: Uint8Array): Promise<void> {
    return this.#files((await this.#prepared(ws, false)).sandbox).write(path, data);
  }

  async listFiles(ws: WorkspaceRef, path: string, recursive: boolean): Promise<FileEntry[]> {
    return this.#files((await this.#prepared(ws, false)).sandbox).list(path, recursive);
  }

  async deleteFile(ws: WorkspaceRef, path: string): Promise<void> {
    return this.#files((await this.#prepared(ws, false)).sandbox).delete(path);
  }

  async mkdir(ws: WorkspaceRef, path: string): Promise<void> {
    return this.#files((await this.#prepared(ws, false)).sandbox).mkdir(path);
  }

  async stat(ws: WorkspaceRef, path: string): Promise<FileStat | null> {
    return this.#files((await this.#prepared(ws, false)).sandbox).stat(path);
  }

  async startProcess(ws: WorkspaceRef, command: string, options: StartProcessOptions): Promise<ProcessInfo> {
    const cwd = toWorkspacePath(options.cwd ?? WORKSPACE_ROOT);
    const { sandbox } = await this.#prepared(ws, false);
    return new WorkspaceProcesses(sandbox, this.#settings).start(command, cwd, options);
  }

  getProcess(ws: WorkspaceRef, id: string): Promise<ProcessInfo | null> {
    return new WorkspaceProcesses(this.#sandbox(ws), this.#settings).get(id);
  }

  processLogs(
    ws: WorkspaceRef,
    id: string,
    range: { stdoutOffset: number; stderrOffset: number; limit: number },
  ): Promise<ProcessLogs | null> {
    return new WorkspaceProcesses(this.#sandbox(ws), this.#settings).logs(id, range);
  }

  killProcess(ws: WorkspaceRef, id: string): Promise<void> {
    return new WorkspaceProcesses(this.#sandbox(ws), this.#settings).kill(id);
  }

  /**
   * Kills processes, deletes interpreter contexts and empties /workspace in place.
   * If the container cannot do that, it is destroyed instead (which also wipes it).
   */
  async reset(ws: WorkspaceRef): Promise<void> {
    const sandbox = this.#sandbox(ws);
    const ms = this.#settings.callTimeoutMs;
    // Saves go first: no file may outlive a reset (or an expiry) in R2.
    if (this.#backups) {
      try {
        await bounded("delete the workspace's saves", sandbox.deleteWorkspaceBackups(), ms);
      } catch (error) {
        throw toAppError(error, "delete the workspace's saved files");
      }
    }
    try {
      await bounded("stop processes", sandbox.killAllProcesses(), ms);
      for (const context of await bounded("list code contexts", sandbox.listCodeContexts(), ms)) {
        await withDeadline(sandbox.deleteCodeContext(context.id), ms).catch(() => undefined);
      }
      for (const language of CODE_LANGUAGES) {
        await bounded("forget code contexts", sandbox.setCodeContextId(language, null), ms);
      }
      const wipe = await bounded(
        "empty the workspace",
        sandbox.exec(`find ${WORKSPACE_ROOT} -mindepth 1 -delete`, {
          cwd: WORKSPACE_ROOT,
          origin: "internal",
        }),
        ms,
      );
      if (wipe.exitCode !== 0) throw new Error(`find -delete exited ${wipe.exitCode}: ${wipe.stderr.trim()}`);
    } catch (error) {
      try {
        await bounded("destroy the container", sandbox.destroy(), ms);
        for (const language of CODE_LANGUAGES) await sandbox.setCodeContextId(language, null);
      } catch {
        throw toAppError(error, "reset the workspace");
      }
    }
  }

  /** Saves /workspace now (save_workspace); see backup.ts for what is saved. */
  async saveWorkspace(ws: WorkspaceRef, reason: "task" | "explicit"): Promise<BackupStatus> {
    if (!this.#backups) return { enabled: false, lastSave: null, lastFailure: null };
    try {
      return await bounded(
        "save the workspace",
        this.#sandbox(ws).saveWorkspace(reason),
        this.#restoreTimeoutMs,
      );
    } catch (error) {
      throw toAppError(error, "save the workspace");
    }
  }

  async backupStatus(ws: WorkspaceRef): Promise<BackupStatus> {
    if (!this.#backups) return { enabled: false, lastSave: null, lastFailure: null };
    return bounded(
      "read the workspace's last save",
      this.#sandbox(ws).backupStatus(),
      this.#settings.callTimeoutMs,
    );
  }

  /**
   * The workspace's sandbox, with the last save restored if its container has just
   * started. `take` also collects the restore notice, which the run results carry.
   */
  async #prepared(
    ws: WorkspaceRef,
    take: boolean,
  ): Promise<{ sandbox: SandboxApi; notice: WorkspaceRestored | null }> {
    const sandbox = this.#sandbox(ws);
    if (!this.#backups) return { sandbox, notice: null };
    try {
      const notice = await bounded(
        "restore the workspace",
        sandbox.prepareWorkspace(take),
        this.#restoreTimeoutMs,
      );
      return { sandbox, notice };
    } catch (error) {
      throw toAppError(error, "restore the workspace's files");
    }
  }

  /** The run that took the restore notice failed: the next run must still tell the model. */
  async #keepNotice(sandbox: SandboxApi, notice: WorkspaceRestored | null): Promise<void> {
    if (!notice) return;
    await withDeadline(sandbox.keepRestoreNotice(notice), this.#settings.callTimeoutMs).catch(
      () => undefined,
    );
  }

  #sandbox(ws: WorkspaceRef): SandboxApi {
    return this.#getSandbox(this.#namespace, sandboxIdFor(ws.id), this.#sdkOptions);
  }

  #files(sandbox: SandboxApi): WorkspaceFiles {
    return new WorkspaceFiles(sandbox, this.#settings);
  }
}
