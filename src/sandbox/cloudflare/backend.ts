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
import type {
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
}

export class CloudflareSandboxBackend implements SandboxBackend {
  readonly kind = "cloudflare" as const;
  readonly durability: WorkspaceDurability;
  readonly #namespace: DurableObjectNamespace<Sandbox>;
  readonly #getSandbox: GetSandbox;
  readonly #sdkOptions: SandboxOptions;
  readonly #settings: AdapterSettings;

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
    this.durability = {
      filesPersist: false,
      note:
        `Files in ${WORKSPACE_ROOT}, running processes and interpreter state live in a container ` +
        `that sleeps after ${String(sleepAfter)}${typeof sleepAfter === "number" ? " s" : ""} without activity ` +
        "(and restarts on deploys); its files are then lost. Save anything important elsewhere.",
    };
  }

  async exec(ws: WorkspaceRef, command: string, options: ExecOptions): Promise<ExecOutcome> {
    const sandbox = this.#sandbox(ws);
    // Lexical check only: user code can reach any directory of its own container
    // anyway, so a realpath round trip would buy nothing here.
    const cwd = toWorkspacePath(options.cwd ?? WORKSPACE_ROOT);
    try {
      return await runExec(sandbox, command, cwd, options, this.#settings);
    } catch (error) {
      throw toAppError(error, "run the command");
    }
  }

  async runCode(
    ws: WorkspaceRef,
    code: string,
    language: Exclude<Language, "bash">,
    options: RunCodeOptions,
  ): Promise<RunCodeOutcome> {
    try {
      return await runCodeIn(this.#sandbox(ws), code, language, options, this.#settings);
    } catch (error) {
      throw toAppError(error, `run ${language} code`);
    }
  }

  readFile(ws: WorkspaceRef, path: string): Promise<Uint8Array> {
    return this.#files(this.#sandbox(ws)).read(path);
  }

  writeFile(ws: WorkspaceRef, path: string, data: Uint8Array): Promise<void> {
    return this.#files(this.#sandbox(ws)).write(path, data);
  }

  listFiles(ws: WorkspaceRef, path: string, recursive: boolean): Promise<FileEntry[]> {
    return this.#files(this.#sandbox(ws)).list(path, recursive);
  }

  deleteFile(ws: WorkspaceRef, path: string): Promise<void> {
    return this.#files(this.#sandbox(ws)).delete(path);
  }

  mkdir(ws: WorkspaceRef, path: string): Promise<void> {
    return this.#files(this.#sandbox(ws)).mkdir(path);
  }

  stat(ws: WorkspaceRef, path: string): Promise<FileStat | null> {
    return this.#files(this.#sandbox(ws)).stat(path);
  }

  async startProcess(ws: WorkspaceRef, command: string, options: StartProcessOptions): Promise<ProcessInfo> {
    const cwd = toWorkspacePath(options.cwd ?? WORKSPACE_ROOT);
    return new WorkspaceProcesses(this.#sandbox(ws), this.#settings).start(command, cwd, options);
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

  #sandbox(ws: WorkspaceRef): SandboxApi {
    return this.#getSandbox(this.#namespace, sandboxIdFor(ws.id), this.#sdkOptions);
  }

  #files(sandbox: SandboxApi): WorkspaceFiles {
    return new WorkspaceFiles(sandbox, this.#settings);
  }
}
