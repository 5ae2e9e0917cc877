/**
 * The one RPC surface of the workspace Durable Object, and the one way to call it.
 *
 * What the object offers is three areas, each a list of method names of the class that
 * implements it (declared once, here):
 *   workspace  WorkspaceRecord   — attach, detach, touch, info
 *   tasks      TaskService       — the task verbs
 *   codemode   WorkspaceCodemode — code-mode runs of sandboxed programs and the call log
 *   idempotency IdempotencyStore — outputs of calls made with an idempotency key
 * The object has a single RPC method, `rpc(area, verb, args)`, which runs the verb and
 * returns an `RpcResult`: failures travel as values carrying a coded AppError (a thrown
 * error would lose its class and be logged as uncaught by the Durable Object).
 * `workspaceClient(stub)` turns the stub back into typed objects whose methods return
 * the value or throw the AppError again, so callers never see an `RpcResult`.
 *
 * Adding a task verb: write the method on TaskService, add its name to TASK_VERBS, and
 * call it from its tool as `deps.tasks.<verb>(…)`. Nothing else changes.
 */
import type { WorkspaceCodemode } from "../codemode/python/workspace-side.ts";
import { AppError, asAppError } from "../errors/app-error.ts";
import type { ErrorCode } from "../errors/codes.ts";
import type { TaskService } from "../tasks/service.ts";
import type { IdempotencyStore } from "./idempotency.ts";
import type { WorkspaceRecord } from "./record.ts";

export const TASK_VERBS = [
  "start",
  "create",
  "launch",
  "status",
  "list",
  "logs",
  "output",
  "cancel",
  "storeMcpOutcome",
  "mcpOutcome",
  "settle",
] as const satisfies readonly (keyof TaskService)[];

export const WORKSPACE_VERBS = [
  "attach",
  "detach",
  "touch",
  "info",
] as const satisfies readonly (keyof WorkspaceRecord)[];

export const CODEMODE_VERBS = [
  "openRun",
  "call",
  "closeRun",
  "recordCalls",
  "recentCalls",
] as const satisfies readonly (keyof WorkspaceCodemode)[];

export const IDEMPOTENCY_VERBS = [
  "claim",
  "finish",
  "release",
] as const satisfies readonly (keyof IdempotencyStore)[];

const VERBS = {
  workspace: WORKSPACE_VERBS,
  tasks: TASK_VERBS,
  codemode: CODEMODE_VERBS,
  idempotency: IDEMPOTENCY_VERBS,
} as const;
export type Area = keyof typeof VERBS;

/** The implementations behind each area (what the Durable Object hands to `dispatch`). */
export interface WorkspaceAreas {
  workspace: Pick<WorkspaceRecord, (typeof WORKSPACE_VERBS)[number]>;
  tasks: Pick<TaskService, (typeof TASK_VERBS)[number]>;
  codemode: Pick<WorkspaceCodemode, (typeof CODEMODE_VERBS)[number]>;
  idempotency: Pick<IdempotencyStore, (typeof IDEMPOTENCY_VERBS)[number]>;
}

/** An object's methods as seen from the other side of RPC: every result is a promise. */
export type Remote<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

/** What the session side, the Worker's routes and tests hold: one typed client per area. */
export type WorkspaceClient = { readonly [A in Area]: Remote<WorkspaceAreas[A]> } & {
  /** The Durable Object's id (hex): code-mode callbacks are addressed to it. */
  readonly id: string;
};

/** The task verbs as callers use them (tools, the MCP task store, relays, event streams). */
export type TaskApi = WorkspaceClient["tasks"];

export type RpcResult<T> =
  | { ok: true; value: T }
  | { ok: false; error: { code: ErrorCode; message: string; suggestion?: string } };

/** The Durable Object's one RPC method, as the client calls it. */
export interface WorkspaceRpcStub {
  readonly id: { toString(): string };
  rpc(area: Area, verb: string, args: unknown[]): Promise<RpcResult<unknown>>;
}

/**
 * Runs one verb on the Durable Object side. Unknown areas and verbs are refused (only
 * the listed methods are reachable); AppErrors become values, anything else is rethrown.
 */
export async function dispatch(
  areas: WorkspaceAreas,
  area: string,
  verb: string,
  args: unknown[],
): Promise<RpcResult<unknown>> {
  try {
    const verbs: readonly string[] | undefined = VERBS[area as Area];
    if (!verbs?.includes(verb) || !Array.isArray(args)) {
      throw new AppError("INTERNAL", `The workspace has no RPC method ${area}.${verb}.`);
    }
    const target = areas[area as Area] as unknown as Record<string, (...a: unknown[]) => unknown>;
    return { ok: true, value: await target[verb]?.apply(target, args) };
  } catch (error) {
    const known = asAppError(error);
    if (!known) throw error;
    return { ok: false, error: known.toJSON() };
  }
}

function remote<A extends Area>(stub: WorkspaceRpcStub, area: A): Remote<WorkspaceAreas[A]> {
  const methods: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const verb of VERBS[area]) {
    methods[verb] = async (...args) => {
      const result = await stub.rpc(area, verb, args);
      if (result.ok) return result.value;
      const { code, message, suggestion } = result.error;
      throw new AppError(code, message, suggestion === undefined ? {} : { suggestion });
    };
  }
  return methods as unknown as Remote<WorkspaceAreas[A]>;
}

/** The typed client over a workspace Durable Object stub (`env.WORKSPACE.get…(…)`). */
export function workspaceClient(stub: WorkspaceRpcStub): WorkspaceClient {
  const rpcStub = stub;
  return {
    id: rpcStub.id.toString(),
    workspace: remote(rpcStub, "workspace"),
    tasks: remote(rpcStub, "tasks"),
    codemode: remote(rpcStub, "codemode"),
    idempotency: remote(rpcStub, "idempotency"),
  };
}
