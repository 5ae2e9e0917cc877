/**
 * What the session side (tools, the MCP task store, the events stream) may do with the
 * tasks of its workspace. The workspace Durable Object implements it over RPC;
 * `taskApiFor` adapts its stub, so callers never touch the stub directly.
 *
 * Across RPC, failures travel as values (`RpcResult`) and are turned back into
 * AppErrors here: a thrown error would lose its class and be logged as uncaught by the
 * Durable Object.
 */
import { AppError, asAppError } from "../errors/app-error.ts";
import type { ErrorCode } from "../errors/codes.ts";
import type {
  ListFilter,
  LogPage,
  LogRange,
  McpOutcome,
  TaskLaunch,
  TaskPage,
  TaskSpec,
  TaskStatus,
  TaskView,
} from "./types.ts";

export interface TaskOutput {
  stdout: string;
  stderr: string;
  truncated: { stdout: boolean; stderr: boolean };
}

export interface TaskApi {
  start(spec: TaskSpec, launch: TaskLaunch): Promise<TaskView>;
  create(spec: TaskSpec): Promise<TaskView>;
  launch(id: string, launch: TaskLaunch): Promise<TaskView>;
  status(id: string): Promise<TaskStatus>;
  list(filter: ListFilter): Promise<TaskPage>;
  logs(id: string, range: LogRange): Promise<LogPage>;
  output(id: string, capBytes: number): Promise<TaskOutput>;
  cancel(id: string): Promise<TaskStatus>;
  storeOutcome(id: string, outcome: McpOutcome): Promise<void>;
  outcome(id: string): Promise<McpOutcome | null>;
  settle(id: string, state: "completed" | "failed", reason: string | null): Promise<void>;
}

export type RpcResult<T> =
  | { ok: true; value: T }
  | { ok: false; error: { code: ErrorCode; message: string; suggestion?: string } };

/** Runs `fn` on the Durable Object side; AppErrors become values, anything else is rethrown. */
export async function rpcResult<T>(fn: () => T | Promise<T>): Promise<RpcResult<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    const known = asAppError(error);
    if (!known) throw error;
    return { ok: false, error: known.toJSON() };
  }
}

async function unwrap<T>(call: Promise<RpcResult<T>>): Promise<T> {
  const result = await call;
  if (result.ok) return result.value;
  const { code, message, suggestion } = result.error;
  throw new AppError(code, message, suggestion === undefined ? {} : { suggestion });
}

/** The RPC methods of the workspace Durable Object that back a TaskApi. */
export interface TaskRpc {
  startTask(spec: TaskSpec, launch: TaskLaunch): Promise<RpcResult<TaskView>>;
  createTask(spec: TaskSpec): Promise<RpcResult<TaskView>>;
  launchTask(id: string, launch: TaskLaunch): Promise<RpcResult<TaskView>>;
  taskStatus(id: string): Promise<RpcResult<TaskStatus>>;
  listTasks(filter: ListFilter): Promise<RpcResult<TaskPage>>;
  taskLogs(id: string, range: LogRange): Promise<RpcResult<LogPage>>;
  taskOutput(id: string, capBytes: number): Promise<RpcResult<TaskOutput>>;
  cancelTask(id: string): Promise<RpcResult<TaskStatus>>;
  storeTaskOutcome(id: string, outcome: McpOutcome): Promise<RpcResult<void>>;
  taskOutcome(id: string): Promise<RpcResult<McpOutcome | null>>;
  settleTask(id: string, state: "completed" | "failed", reason: string | null): Promise<RpcResult<void>>;
}

export function taskApiFor(rpc: TaskRpc): TaskApi {
  return {
    start: (spec, launch) => unwrap(rpc.startTask(spec, launch)),
    create: (spec) => unwrap(rpc.createTask(spec)),
    launch: (id, launch) => unwrap(rpc.launchTask(id, launch)),
    status: (id) => unwrap(rpc.taskStatus(id)),
    list: (filter) => unwrap(rpc.listTasks(filter)),
    logs: (id, range) => unwrap(rpc.taskLogs(id, range)),
    output: (id, cap) => unwrap(rpc.taskOutput(id, cap)),
    cancel: (id) => unwrap(rpc.cancelTask(id)),
    storeOutcome: (id, outcome) => unwrap(rpc.storeTaskOutcome(id, outcome)),
    outcome: (id) => unwrap(rpc.taskOutcome(id)),
    settle: (id, state, reason) => unwrap(rpc.settleTask(id, state, reason)),
  };
}
