/**
 * Builds what the tools use (ToolDeps) for one attached workspace. Shared by both
 * protocol eras: the 2025 session Durable Object and the 2026-07-28 stateless handler
 * differ only in how they find the workspace and in the task API they pass (a session
 * also relays task events to its client).
 */
import { createCodemodeService } from "../codemode/create.ts";
import type { Config } from "../config/config.ts";
import type { ToolDeps, WorkspaceHandle } from "../mcp/deps.ts";
import { createSandboxBackend } from "../sandbox/factory.ts";
import type { TaskApi, WorkspaceClient } from "../workspace/rpc.ts";
import type { WorkspaceMeta } from "../workspace/schema.ts";

export interface ToolDepsInput {
  env: Env;
  config: Config;
  principal: string;
  ws: WorkspaceClient;
  meta: WorkspaceMeta;
  tasks: TaskApi;
  touch: () => void;
  /** The origin the client connected to; Python code mode may call back to it (loopback only). */
  origin?: string | undefined;
}

export function buildToolDeps(input: ToolDepsInput): ToolDeps {
  const { env, config, ws, meta } = input;
  const workspace: WorkspaceHandle = {
    ref: { id: meta.sandboxId },
    info: async () => (await ws.workspace.info()) ?? meta,
    touch: input.touch,
  };
  const sandbox = createSandboxBackend(env, config);
  const codemode = createCodemodeService(env, config, {
    logCalls: (entry) => ws.codemode.recordCalls(entry),
    python: {
      sandbox,
      ws: workspace.ref,
      workspace: { id: ws.id, openRun: ws.codemode.openRun, closeRun: ws.codemode.closeRun },
      ...(input.origin ? { requestOrigin: input.origin } : {}),
    },
  });
  return {
    config,
    principal: input.principal,
    workspace,
    sandbox,
    tasks: input.tasks,
    idempotency: ws.idempotency,
    ...(codemode ? { codemode } : {}),
  };
}
