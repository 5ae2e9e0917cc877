/**
 * The one interface every sandbox backend implements (local host, Cloudflare Sandbox).
 *
 * Contract:
 * - User-code failures (non-zero exit, exceptions, timeouts, limits hit) are *results*,
 *   never thrown. Backends throw only `SandboxError`s for infrastructure faults (host
 *   unreachable, container unavailable) and for invalid requests (bad path, missing file).
 * - Paths are workspace paths: relative to `/workspace` or absolute under it. Backends
 *   re-check confinement themselves (symlinks can only be seen from inside).
 * - A timeout kills the whole process tree; the next call on the same workspace works.
 * - Output is capped per stream at `outputLimitBytes`: head and tail are kept, the flag is
 *   set, and the complete stream is saved inside the workspace at `fullOutputPath`.
 */
import type {
  ExecOutcome,
  FileEntry,
  FileStat,
  Language,
  ProcessInfo,
  ProcessLogs,
  RunCodeOutcome,
} from "../shared/sandbox-schema.ts";

export type { ExecOutcome, FileEntry, FileStat, Language, ProcessInfo, ProcessLogs, RunCodeOutcome };

/** Identifies one workspace's sandbox: an opaque, filesystem- and URL-safe id. */
export interface WorkspaceRef {
  /** 1–64 chars of [a-z0-9-]; stable for a (principal, workspace) pair. */
  readonly id: string;
}

export interface OutputOptions {
  /** Per-stream cap in bytes; beyond it head+tail are kept and the full stream is saved. */
  outputLimitBytes: number;
}

export interface ExecOptions extends OutputOptions {
  /** Working directory (workspace path); default `/workspace`. */
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs: number;
  /** Called with output chunks as they arrive, when the backend can stream. */
  onOutput?: (stream: "stdout" | "stderr", chunk: string) => void;
}

export interface RunCodeOptions extends OutputOptions {
  timeoutMs: number;
  /** Throw away the persistent context for this language before running. */
  resetContext?: boolean;
  env?: Record<string, string>;
  /** Code mode: open a channel for this run only (see src/codemode/python/). */
  codemode?: CodemodeChannel;
}

/**
 * A code-mode channel for one run. The local backend relays a unix socket in the
 * workspace (`/workspace/.codemode-<runId>.sock`) to `callbackUrl` while the run lasts;
 * the Cloudflare backend needs nothing per run (outbound interception routes
 * `codemode.internal`). Authentication is the per-run token the program sends.
 */
export interface CodemodeChannel {
  /** 32 hex characters; names the socket. */
  runId: string;
  /** The Worker's callback route for this run. */
  callbackUrl: string;
}

export interface StartProcessOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Hard limit: the process tree is killed after this long. */
  timeoutMs: number;
}

/** One row of "what survives what": an event and what becomes of files and memory. */
export interface SurvivalRow {
  event: string;
  files: string;
  memory: string;
}

/** How long workspace state lasts on a backend, for tools to show the user. */
export interface WorkspaceDurability {
  /** Files survive idle periods and restarts of the sandbox. */
  readonly filesPersist: boolean;
  /** One or two sentences for the user, e.g. when files are lost. */
  readonly note: string;
  readonly survives: readonly SurvivalRow[];
}

/** The last save of a workspace's files (backends that save them elsewhere). */
export interface BackupStatus {
  enabled: boolean;
  lastSave: {
    savedAt: string;
    reason: "sleep" | "task" | "explicit";
    files: number;
    bytes: number;
    archiveBytes: number;
  } | null;
  lastFailure: { at: string; reason: string; code: string; message: string } | null;
}

export interface SandboxBackend {
  readonly kind: "local" | "cloudflare";
  readonly durability: WorkspaceDurability;

  /** Runs a shell command (`bash -c`) in the workspace. */
  exec(ws: WorkspaceRef, command: string, options: ExecOptions): Promise<ExecOutcome>;

  /** Runs code in the workspace's persistent context for `language` (state survives calls). */
  runCode(
    ws: WorkspaceRef,
    code: string,
    language: Exclude<Language, "bash">,
    options: RunCodeOptions,
  ): Promise<RunCodeOutcome>;

  readFile(ws: WorkspaceRef, path: string): Promise<Uint8Array>;
  writeFile(ws: WorkspaceRef, path: string, data: Uint8Array): Promise<void>;
  listFiles(ws: WorkspaceRef, path: string, recursive: boolean): Promise<FileEntry[]>;
  deleteFile(ws: WorkspaceRef, path: string): Promise<void>;
  mkdir(ws: WorkspaceRef, path: string): Promise<void>;
  stat(ws: WorkspaceRef, path: string): Promise<FileStat | null>;

  /** Starts a background process; returns at once. */
  startProcess(ws: WorkspaceRef, command: string, options: StartProcessOptions): Promise<ProcessInfo>;
  /** `null` when the backend does not know the id (e.g. it restarted): the process is lost. */
  getProcess(ws: WorkspaceRef, id: string): Promise<ProcessInfo | null>;
  /** Output from byte `offset` of each stream, at most `limit` bytes each. */
  processLogs(
    ws: WorkspaceRef,
    id: string,
    range: { stdoutOffset: number; stderrOffset: number; limit: number },
  ): Promise<ProcessLogs | null>;
  /** Kills the process tree. Resolves once it is gone. No-op for finished processes. */
  killProcess(ws: WorkspaceRef, id: string): Promise<void>;

  /** Wipes files, contexts and processes of the workspace (and any saved copy). */
  reset(ws: WorkspaceRef): Promise<void>;

  /**
   * The workspace's last session went away: free what it holds between calls (idle
   * interpreter contexts, a warm shell). Files and running tasks stay; a context busy
   * with a run is left to the idle reaper. Absent: the backend frees them on its own.
   */
  release?(ws: WorkspaceRef): Promise<void>;

  /**
   * Saves the workspace's files where they outlive the sandbox (Cloudflare: R2). Absent
   * where files never leave the disk (local host).
   */
  saveWorkspace?(ws: WorkspaceRef, reason: "task" | "explicit"): Promise<BackupStatus>;
  /** The last save, if the backend saves. */
  backupStatus?(ws: WorkspaceRef): Promise<BackupStatus>;
}
