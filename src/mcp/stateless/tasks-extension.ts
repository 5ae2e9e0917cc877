/**
 * The Tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663, protocol 2026-07-28)
 * over our durable task rows: the task object a `tools/call` answers with, and the
 * `tasks/get`, `tasks/cancel` and `tasks/update` methods. The rows, logs and cancel are
 * the workspace Durable Object's, so a task created here is an ordinary task
 * (task_status, list_tasks, task_logs, the events stream) and any task of the workspace
 * can be read here.
 *
 * Status mapping: queued/running → `working`; cancelled → `cancelled`; every other end
 * (completed, non-zero exit, timeout, lost) → `completed` with the tool's result, marked
 * `isError` unless the program succeeded, so the model reads what happened. The
 * extension's `failed` (a JSON-RPC error) is not used: a run that failed is a result.
 * The extension has no list method; list_tasks lists every task of the workspace.
 */
import { ProtocolError, ProtocolErrorCode, type Server } from "@modelcontextprotocol/server";
import { z } from "zod";
import { asAppError } from "../../errors/app-error.ts";
import type { TaskState, TaskView } from "../../tasks/types.ts";
import type { TaskApi } from "../../workspace/rpc.ts";
import { callToolResultFor, MCP_POLL_INTERVAL_MS, mcpTtlMs } from "../tasks/result.ts";

export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";

const TaskIdParams = z.object({ taskId: z.string().min(1) });

export interface ExtensionTaskSettings {
  retentionMs: number;
  outputLimitBytes: number;
}

function extensionStatus(state: TaskState): "working" | "completed" | "cancelled" {
  if (state === "queued" || state === "running") return "working";
  return state === "cancelled" ? "cancelled" : "completed";
}

/** The task fields every extension answer carries. */
export function extensionTask(view: TaskView, retentionMs: number) {
  return {
    taskId: view.task_id,
    status: extensionStatus(view.state),
    statusMessage:
      view.state === "running"
        ? `running; ${view.log.lines} lines of output so far`
        : view.reason === null
          ? view.state
          : `${view.state}: ${view.reason}`,
    createdAt: view.created_at,
    lastUpdatedAt: view.updated_at,
    ttlMs: mcpTtlMs(view, retentionMs),
    pollIntervalMs: MCP_POLL_INTERVAL_MS,
  };
}

/**
 * `tools/call` answered with a task (`resultType: "task"`). A new task always reads
 * `working` here, even one that already ended (a program that failed at once): the
 * outcome is for tasks/get to report, so every client follows the same path.
 */
export function createTaskResult(view: TaskView, retentionMs: number) {
  return { resultType: "task" as const, ...extensionTask(view, retentionMs), status: "working" as const };
}

async function lookup<T>(taskId: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const known = asAppError(error);
    if (known?.code === "TASK_NOT_FOUND") {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Task not found: ${taskId}`);
    }
    if (known?.code === "TASK_ALREADY_FINISHED") {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Task ${taskId} has already finished`);
    }
    throw error;
  }
}

/** The full task for `tasks/get`: with its result once it has ended. */
export async function detailedTask(tasks: TaskApi, taskId: string, settings: ExtensionTaskSettings) {
  const view = await lookup(taskId, () => tasks.status(taskId));
  const task = extensionTask(view, settings.retentionMs);
  if (task.status !== "completed") return task;
  const stored = await tasks.mcpOutcome(taskId);
  const result = stored
    ? (JSON.parse(stored.result) as Record<string, unknown>)
    : callToolResultFor(view, await tasks.output(taskId, settings.outputLimitBytes));
  // The result is a 2026-07-28 CallToolResult, which names its kind.
  return { ...task, result: { ...result, resultType: "complete" } };
}

/** Installs tasks/get, tasks/cancel and tasks/update on a 2026-07-28 server. */
export function installTaskMethods(
  server: Server,
  tasks: () => Promise<TaskApi>,
  settings: ExtensionTaskSettings,
): void {
  server.setRequestHandler("tasks/get", { params: TaskIdParams }, async ({ taskId }) =>
    detailedTask(await tasks(), taskId, settings),
  );
  server.setRequestHandler("tasks/cancel", { params: TaskIdParams }, async ({ taskId }) => {
    const api = await tasks();
    await lookup(taskId, () => api.cancel(taskId));
    return {};
  });
  // Our tasks never ask the client for input, so there is nothing to update.
  server.setRequestHandler("tasks/update", { params: TaskIdParams.loose() }, async ({ taskId }) => {
    const api = await tasks();
    await lookup(taskId, () => api.status(taskId));
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Task ${taskId} is not waiting for input`);
  });
}
