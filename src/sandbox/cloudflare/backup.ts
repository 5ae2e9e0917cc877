/**
 * Workspace backups, kept by the Sandbox Durable Object: `/workspace` saved to R2 (the
 * `WORKSPACE_BACKUPS` binding, which the SDK reads as `BACKUP_BUCKET`) with the SDK's
 * `createBackup`, and put back with `restoreBackup` whenever a container starts for a
 * workspace that has a save.
 *
 * Storage (this Durable Object's KV):
 *   codemode:backup:record   BackupRecord of the last good save (its SDK handle included)
 *   codemode:backup:start    counts container starts (onStart, which the containers
 *                            package awaits before a new container takes requests)
 *   codemode:backup:in-sync  the start count at the last restore or save: this running
 *                            container's /workspace is the saved one or newer. Only an
 *                            in-sync (or never saved) workspace is saved, so a new empty
 *                            container never overwrites a save; a late stop event of an
 *                            earlier container cannot make a restore run twice.
 *   codemode:backup:notice   the restore notice the next run result carries (taken once)
 *   codemode:backup:failure  the last failed save (shown by workspace_info)
 *   codemode:backup:orphans  ids of replaced saves whose objects could not be deleted yet
 *
 * Invariants: a new save replaces the record only once it is complete in R2, and the
 * previous save's objects are deleted only after that, so a failed or refused save
 * (WORKSPACE_TOO_LARGE) never loses the last good one. Restores happen lazily, before the
 * first operation after a start (`prepare`), never in onStart: the SDK calls onStart while
 * its transport connects, and a container call from there would deadlock.
 */
import type { DirectoryBackup } from "@cloudflare/sandbox";
import { AppError } from "../../errors/app-error.ts";
import type { WorkspaceRestored } from "../../shared/sandbox-schema.ts";
import type { BackupStatus } from "../backend.ts";
import {
  ALWAYS_EXCLUDED,
  type BackupEnv,
  backupMaxBytes,
  backupObjectKeys,
  IGNORE_FILE,
  measureCommand,
  parseIgnoreFile,
  settingExcludes,
} from "./backup-plan.ts";
import { readRemoteError } from "./errors.ts";
import { WORKSPACE_ROOT } from "./paths.ts";

/**
 * The SDK refuses to restore a save older than its ttl (default 3 days). Saves live as
 * long as their workspace (reset, expiry and replacement delete them), so the ttl is long.
 */
const BACKUP_TTL_SECONDS = 10 * 365 * 86_400;
const RECORD_KEY = "codemode:backup:record";
const IN_SYNC_KEY = "codemode:backup:in-sync";
const START_KEY = "codemode:backup:start";
const NOTICE_KEY = "codemode:backup:notice";
const FAILURE_KEY = "codemode:backup:failure";
const ORPHANS_KEY = "codemode:backup:orphans";

export type SaveReason = "sleep" | "task" | "explicit";

export interface BackupRecord {
  handle: DirectoryBackup;
  savedAt: string;
  reason: SaveReason;
  files: number;
  bytes: number;
  /** Size of the compressed archive in R2. */
  archiveBytes: number;
  /** measureCommand's fingerprint of what was saved. */
  fingerprint: string;
}

export interface BackupFailure {
  at: string;
  reason: SaveReason;
  code: string;
  message: string;
}

/** What the backups need of the Sandbox Durable Object. */
export interface BackupHost {
  readonly storage: DurableObjectStorage;
  readonly bucket: R2Bucket | undefined;
  /** true on the local container runner: the DO moves archives through its binding. */
  readonly localBucket: boolean;
  containerRunning(): boolean;
  /** Names the saves in the bucket (their meta.json): the Sandbox Durable Object's id. */
  readonly name: string;
  createBackup(options: {
    dir: string;
    name: string;
    excludes: string[];
    ttl: number;
    localBucket: boolean;
  }): Promise<DirectoryBackup>;
  restoreBackup(handle: DirectoryBackup): Promise<unknown>;
  exec(command: string): Promise<{ exitCode: number; stdout: string; stderr: string }>;
}

function lostNotice(record: BackupRecord): WorkspaceRestored {
  return {
    at: new Date().toISOString(),
    files: 0,
    bytes: 0,
    saved_at: record.savedAt,
    memory_reset: true,
    note:
      `The container had stopped, and the files saved at ${record.savedAt} are no longer in storage ` +
      "(deleted by a retention rule or by hand): the workspace starts empty, and interpreter memory was reset.",
  };
}

export class WorkspaceBackups {
  readonly #host: BackupHost;
  readonly #maxBytes: number;
  readonly #settingExcludes: string[];
  /** Saves, restores and deletions run one at a time. */
  #queue: Promise<unknown> = Promise.resolve();
  #restoring: Promise<void> | null = null;

  constructor(host: BackupHost, env: BackupEnv) {
    this.#host = host;
    this.#maxBytes = backupMaxBytes(env);
    this.#settingExcludes = settingExcludes(env);
  }

  get enabled(): boolean {
    return this.#host.bucket !== undefined;
  }

  /** A container started: its /workspace is not the saved one until a restore. */
  async containerStarted(): Promise<void> {
    const storage = this.#host.storage;
    await storage.put(START_KEY, ((await storage.get<number>(START_KEY)) ?? 0) + 1);
  }

  /** This running container has the last save (restored or saved since it started). */
  async #inSync(): Promise<boolean> {
    if (!this.#host.containerRunning()) return false;
    const storage = this.#host.storage;
    const [synced, start] = [await storage.get<number>(IN_SYNC_KEY), await storage.get<number>(START_KEY)];
    return synced !== undefined && synced === (start ?? 0);
  }

  async #markInSync(extra: Record<string, unknown> = {}): Promise<void> {
    const storage = this.#host.storage;
    await storage.put({ ...extra, [IN_SYNC_KEY]: (await storage.get<number>(START_KEY)) ?? 0 });
  }

  /**
   * Before an operation: restores the last save if this container has not got it yet.
   * With `take`, returns (and forgets) the pending restore notice: runs carry it.
   */
  async prepare(take: boolean): Promise<WorkspaceRestored | null> {
    const storage = this.#host.storage;
    if (this.enabled && (await storage.get<BackupRecord>(RECORD_KEY))) {
      if (!(await this.#inSync())) {
        this.#restoring ??= this.#serial(() => this.#restore()).finally(() => {
          this.#restoring = null;
        });
        await this.#restoring;
      }
    }
    if (!take) return null;
    const notice = (await storage.get<WorkspaceRestored>(NOTICE_KEY)) ?? null;
    if (notice) await storage.delete(NOTICE_KEY);
    return notice;
  }

  /** A run that took the notice failed: keep it for the next run (unless a newer one came). */
  async keepNotice(notice: WorkspaceRestored): Promise<void> {
    const storage = this.#host.storage;
    if (!(await storage.get(NOTICE_KEY))) await storage.put(NOTICE_KEY, notice);
  }

  async #restore(): Promise<void> {
    const storage = this.#host.storage;
    const record = await storage.get<BackupRecord>(RECORD_KEY);
    if (!record || (await this.#inSync())) return;
    try {
      await this.#host.restoreBackup(record.handle);
    } catch (error) {
      const remote = readRemoteError(error);
      if (remote.sdkCode === "BACKUP_NOT_FOUND" || remote.sdkCode === "BACKUP_EXPIRED") {
        // Gone from the bucket (a lifecycle rule, a manual delete): start empty, and say so.
        await storage.delete(RECORD_KEY);
        await this.#markInSync({ [NOTICE_KEY]: lostNotice(record) });
        return;
      }
      throw new AppError(
        "BACKUP_FAILED",
        `The workspace's files (saved ${record.savedAt}) could not be restored into the new container: ${remote.message}`,
        { suggestion: "Try again in a moment. reset_workspace starts over without the saved files." },
      );
    }
    const notice: WorkspaceRestored = {
      at: new Date().toISOString(),
      files: record.files,
      bytes: record.bytes,
      saved_at: record.savedAt,
      memory_reset: true,
      note:
        `The container had stopped (idle sleep, restart or deploy). Files saved at ${record.savedAt} ` +
        "were restored; interpreter memory (variables, imports) and running processes were reset.",
    };
    await this.#markInSync({ [NOTICE_KEY]: notice });
  }

  /**
   * Saves /workspace. Nothing to do when no container runs (the last save is current) or
   * when this container never got the last save (it would overwrite it with less).
   * Throws WORKSPACE_TOO_LARGE (nothing saved) or BACKUP_FAILED; the last save stands.
   */
  save(reason: SaveReason): Promise<BackupStatus> {
    return this.#serial(async () => {
      if (!this.enabled) return this.status();
      const storage = this.#host.storage;
      const previous = await storage.get<BackupRecord>(RECORD_KEY);
      if (!this.#host.containerRunning()) return this.status();
      if (previous && !(await this.#inSync())) return this.status();
      try {
        await this.#save(reason, previous);
        await storage.delete(FAILURE_KEY);
      } catch (error) {
        const failure = error instanceof AppError ? error : this.#failed(error);
        await storage.put(FAILURE_KEY, {
          at: new Date().toISOString(),
          reason,
          code: failure.code,
          message: failure.message,
        } satisfies BackupFailure);
        throw failure;
      }
      return this.status();
    });
  }

  async #save(reason: SaveReason, previous: BackupRecord | undefined): Promise<void> {
    const excludes = await this.#excludes();
    const measured = await this.#host.exec(measureCommand(excludes));
    const [filesText, bytesText, fingerprint] = measured.stdout.trim().split(/\s+/);
    const files = Number(filesText);
    const bytes = Number(bytesText);
    if (measured.exitCode !== 0 || !fingerprint || !Number.isInteger(files) || !Number.isInteger(bytes)) {
      throw new AppError("BACKUP_FAILED", `Could not measure the workspace: ${measured.stderr.trim()}`);
    }
    // Nothing changed since the last save (a container that falls asleep untouched).
    if (previous?.fingerprint === fingerprint) return;
    if (bytes > this.#maxBytes) {
      throw new AppError(
        "WORKSPACE_TOO_LARGE",
        `The workspace holds ${bytes} bytes in ${files} files, over the ${this.#maxBytes}-byte limit for saving; it was not saved${previous ? ` (the save from ${previous.savedAt} stands)` : ""}.`,
        {
          suggestion: `Delete large files, or list what need not survive (one pattern per line) in /workspace/${IGNORE_FILE}.`,
        },
      );
    }
    // A never-saved empty workspace needs no save.
    if (!previous && files === 0) return;
    const handle = await this.#host.createBackup({
      dir: WORKSPACE_ROOT,
      name: this.#host.name,
      excludes,
      ttl: BACKUP_TTL_SECONDS,
      localBucket: this.#host.localBucket,
    });
    const [archiveKey] = backupObjectKeys(handle.id);
    const head = archiveKey ? await this.#host.bucket?.head(archiveKey) : null;
    const record: BackupRecord = {
      handle: { ...handle },
      savedAt: new Date().toISOString(),
      reason,
      files,
      bytes,
      archiveBytes: head?.size ?? 0,
      fingerprint,
    };
    await this.#markInSync({ [RECORD_KEY]: record });
    if (previous) await this.#deleteObjects([previous.handle.id]);
  }

  async #excludes(): Promise<string[]> {
    const read = await this.#host.exec(`cat ${WORKSPACE_ROOT}/${IGNORE_FILE} 2>/dev/null || true`);
    return [...new Set([...ALWAYS_EXCLUDED, ...this.#settingExcludes, ...parseIgnoreFile(read.stdout)])];
  }

  #failed(error: unknown): AppError {
    const remote = readRemoteError(error);
    return new AppError("BACKUP_FAILED", `Saving the workspace failed: ${remote.message}`, {
      suggestion: "The previous save (if any) stands. Try save_workspace again in a moment.",
    });
  }

  /** Deletes the workspace's saves from R2 and forgets them (reset, expiry). */
  deleteAll(): Promise<void> {
    return this.#serial(async () => {
      const storage = this.#host.storage;
      const record = await storage.get<BackupRecord>(RECORD_KEY);
      await storage.delete([RECORD_KEY, NOTICE_KEY, FAILURE_KEY]);
      await this.#deleteObjects(record ? [record.handle.id] : []);
    });
  }

  /** Deletes the objects of `ids` and of earlier orphans; ids that fail stay orphans. */
  async #deleteObjects(ids: string[]): Promise<void> {
    const storage = this.#host.storage;
    const pending = [...new Set([...((await storage.get<string[]>(ORPHANS_KEY)) ?? []), ...ids])];
    const bucket = this.#host.bucket;
    const left: string[] = [];
    for (const id of pending) {
      try {
        if (bucket) await bucket.delete(backupObjectKeys(id));
        else left.push(id);
      } catch (error) {
        console.warn(`workspace backup ${id}: delete failed; retried with the next save`, error);
        left.push(id);
      }
    }
    if (left.length) await storage.put(ORPHANS_KEY, left);
    else await storage.delete(ORPHANS_KEY);
  }

  async status(): Promise<BackupStatus> {
    const storage = this.#host.storage;
    const record = await storage.get<BackupRecord>(RECORD_KEY);
    const lastFailure = (await storage.get<BackupFailure>(FAILURE_KEY)) ?? null;
    let lastSave: BackupStatus["lastSave"] = null;
    if (record) {
      const { handle: _handle, fingerprint: _fingerprint, ...rest } = record;
      lastSave = rest;
    }
    return { enabled: this.enabled, lastSave, lastFailure };
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}
