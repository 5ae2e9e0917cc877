/** What every tool may use. Built by the session layer; tools never reach for globals. */
import type { CodemodeService } from "../codemode/service.ts";
import type { Config } from "../config/config.ts";
import type { SandboxBackend, WorkspaceRef } from "../sandbox/backend.ts";
import type { TaskApi, WorkspaceClient } from "../workspace/rpc.ts";
import type { WorkspaceMeta } from "../workspace/schema.ts";

export interface WorkspaceHandle {
  /** The sandbox this workspace runs in. */
  readonly ref: WorkspaceRef;
  /** Current metadata (fetched from the workspace Durable Object). */
  info(): Promise<WorkspaceMeta>;
  /** Records activity; cheap to call often (implementations throttle). */
  touch(): void;
}

/** The workspace's idempotency records (see src/workspace/idempotency.ts). */
export type IdempotencyApi = WorkspaceClient["idempotency"];

export interface ToolDeps {
  config: Config;
  principal: string;
  workspace: WorkspaceHandle;
  sandbox: SandboxBackend;
  /** Background tasks of this workspace (kept by the workspace Durable Object). */
  tasks: TaskApi;
  /** Runs calls that carry an idempotency key once per workspace. */
  idempotency: IdempotencyApi;
  /** Code mode over upstream MCP servers; absent when UPSTREAM_MCP_SERVERS is empty. */
  codemode?: CodemodeService;
}
