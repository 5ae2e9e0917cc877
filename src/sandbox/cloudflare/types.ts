/**
 * The slice of the Sandbox SDK the adapter uses, and how it obtains a handle. Tests
 * inject a `getSandbox` that wraps the real one to see calls and cause stalls or errors.
 */
import type { SandboxOptions } from "@cloudflare/sandbox";
import type { Sandbox } from "./sandbox-do.ts";

export type SandboxApi = Pick<
  Sandbox,
  | "exec"
  | "startProcess"
  | "getProcess"
  | "getProcessLogs"
  | "killProcess"
  | "killAllProcesses"
  | "readFile"
  | "writeFile"
  | "listFiles"
  | "deleteFile"
  | "mkdir"
  | "exists"
  | "createCodeContext"
  | "runCode"
  | "deleteCodeContext"
  | "listCodeContexts"
  | "destroy"
  | "getCodeContextId"
  | "setCodeContextId"
  | "prepareWorkspace"
  | "keepRestoreNotice"
  | "saveWorkspace"
  | "backupStatus"
  | "deleteWorkspaceBackups"
>;

export type GetSandbox = (
  ns: DurableObjectNamespace<Sandbox>,
  id: string,
  options: SandboxOptions,
) => SandboxApi;

/** Everything the adapter's pieces share for one call. */
export interface AdapterSettings {
  /** Extra wait beyond a run's own timeout before the Worker stops waiting (ms). */
  hangGraceMs: number;
  /** Deadline for short SDK calls (file operations, process bookkeeping) (ms). */
  callTimeoutMs: number;
}
