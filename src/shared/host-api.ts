/**
 * Wire format of the local sandbox host (`host/`), shared by the host and its client
 * `src/sandbox/local.ts`. Every route is under `/v1`, takes `Authorization: Bearer
 * <secret>`, and answers errors as `HostError` JSON with the status of the error code.
 *
 * Routes (`:ws` is a workspace id, `[a-z0-9-]{1,64}`):
 * - `GET  /health` → `{ok: true}`, the only route without the secret (liveness probe)
 * - `GET  /v1/health` → `HealthResponse`
 * - `POST /v1/workspaces/:ws/exec` `ExecRequest` → `ExecOutcome`
 * - `POST /v1/workspaces/:ws/run` `RunCodeRequest` → `RunCodeOutcome`
 * - `GET|PUT|DELETE /v1/workspaces/:ws/files?path=` raw bytes in and out
 * - `GET  /v1/workspaces/:ws/list?path=&recursive=` → `ListResponse`
 * - `GET  /v1/workspaces/:ws/stat?path=` → `StatResponse`
 * - `POST /v1/workspaces/:ws/mkdir` `PathRequest` → 204
 * - `POST /v1/workspaces/:ws/processes` `StartProcessRequest` → `ProcessInfo`
 * - `GET  /v1/workspaces/:ws/processes/:id` → `GetProcessResponse`
 * - `GET  /v1/workspaces/:ws/processes/:id/logs?stdoutOffset=&stderrOffset=&limit=` → `ProcessLogsResponse`
 * - `POST /v1/workspaces/:ws/processes/:id/kill` → 204
 * - `POST /v1/workspaces/:ws/reset` → 204
 * - `POST /v1/workspaces/:ws/release` → 204 (stops idle contexts and the warm shell; files and tasks stay)
 * - `GET  /v1/workspaces/:ws/sandboxes` → `LiveSandboxesResponse`
 */
import { z } from "zod";
import { ErrorCode } from "../errors/codes.ts";
import { FileEntry, FileStat, ProcessInfo, ProcessLogs } from "./sandbox-schema.ts";

export const WorkspaceId = z
  .string()
  .regex(/^[a-z0-9-]{1,64}$/, "workspace ids are 1-64 characters of a-z, 0-9 and '-'");
export type WorkspaceId = z.infer<typeof WorkspaceId>;

export const ProcessId = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/);
export type ProcessId = z.infer<typeof ProcessId>;

/** Environment variables passed into the sandbox; names are plain identifiers. */
export const EnvVars = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string());
export type EnvVars = z.infer<typeof EnvVars>;

const TimeoutMs = z
  .number()
  .int()
  .positive()
  .max(24 * 60 * 60 * 1000);
const OutputLimitBytes = z
  .number()
  .int()
  .min(256)
  .max(64 * 1024 * 1024);

export const ExecRequest = z.object({
  command: z.string(),
  cwd: z.string().optional(),
  env: EnvVars.optional(),
  timeoutMs: TimeoutMs,
  outputLimitBytes: OutputLimitBytes,
});
export type ExecRequest = z.infer<typeof ExecRequest>;

export const RunCodeRequest = z.object({
  code: z.string(),
  language: z.enum(["python", "javascript", "typescript"]),
  timeoutMs: TimeoutMs,
  outputLimitBytes: OutputLimitBytes,
  resetContext: z.boolean().optional(),
  env: EnvVars.optional(),
  /** Code mode: relay `/workspace/.codemode-<runId>.sock` to `callbackUrl` during this run. */
  codemode: z.object({ runId: z.string().regex(/^[0-9a-f]{32}$/), callbackUrl: z.url() }).optional(),
});
export type RunCodeRequest = z.infer<typeof RunCodeRequest>;

export const PathRequest = z.object({ path: z.string() });
export type PathRequest = z.infer<typeof PathRequest>;

export const ListResponse = z.object({ entries: z.array(FileEntry) });
export type ListResponse = z.infer<typeof ListResponse>;

export const StatResponse = z.object({ stat: FileStat.nullable() });
export type StatResponse = z.infer<typeof StatResponse>;

export const StartProcessRequest = z.object({
  command: z.string(),
  cwd: z.string().optional(),
  env: EnvVars.optional(),
  timeoutMs: TimeoutMs,
});
export type StartProcessRequest = z.infer<typeof StartProcessRequest>;

export const GetProcessResponse = z.object({ process: ProcessInfo.nullable() });
export type GetProcessResponse = z.infer<typeof GetProcessResponse>;

export const ProcessLogsQuery = z.object({
  stdoutOffset: z.coerce.number().int().min(0).default(0),
  stderrOffset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(16 * 1024 * 1024)
    .default(64 * 1024),
});
export type ProcessLogsQuery = z.infer<typeof ProcessLogsQuery>;

export const ProcessLogsResponse = z.object({ logs: ProcessLogs.nullable() });
export type ProcessLogsResponse = z.infer<typeof ProcessLogsResponse>;

export const HealthResponse = z.object({
  ok: z.literal(true),
  isolation: z.enum(["bubblewrap", "none"]),
  limits: z.object({
    memoryBytes: z.number(),
    maxProcesses: z.number(),
    maxFileSizeBytes: z.number(),
    cpuSeconds: z.number(),
    /** How memory/process limits are enforced: cgroup v1/v2, or rlimits as a fallback. */
    mechanism: z.enum(["cgroup-v1", "cgroup-v2", "rlimit"]),
  }),
});
export type HealthResponse = z.infer<typeof HealthResponse>;

/** What a workspace holds on the host between calls (its long-lived sandboxes). */
export const LiveSandboxesResponse = z.object({
  /** Languages with a live interpreter context. */
  contexts: z.array(z.string()),
  /** A warm bash runner is up. */
  warmShell: z.boolean(),
});
export type LiveSandboxesResponse = z.infer<typeof LiveSandboxesResponse>;

const errorCodes = Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]];

export const HostError = z.object({
  code: z.enum(errorCodes),
  message: z.string(),
  suggestion: z.string().optional(),
});
export type HostError = z.infer<typeof HostError>;
