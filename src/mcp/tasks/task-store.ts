/**
 * The MCP SDK's `TaskStore` (spec 2025-11-25 tasks: tasks/get, tasks/result, tasks/list,
 * tasks/cancel) backed by the workspace Durable Object's task tables, so an MCP task is
 * an ordinary task: durable, visible to list_tasks and task_logs, and the other way round.
 *
 * Scope: the SDK passes the MCP session id to every method. We scope by workspace
 * instead (the workspace DO is keyed by principal), so a task stays reachable from a
 * later session on the same workspace, like every other task, and never from another
 * principal. The session id is ignored on purpose.
 *
 * Calls that did not ask for a task. A tool declaring `taskSupport: "optional"` is run
 * by the SDK as "create a task, poll it, return its result" even when the client sent no
 * `task` field. Only this store sees the original request, so it tells the two apart:
 * for a call without `task` it hands out an *inline* task that lives in memory for the
 * length of that one call, the tool runs as an ordinary call and completes it, and
 * nothing is stored (see `TaskCalls` in src/mcp/tool-kit.ts).
 */
import type {
  CreateTaskOptions,
  TaskStore,
} from "@modelcontextprotocol/sdk/experimental/tasks/interfaces.js";
import type { CallToolResult, Request, RequestId, Result, Task } from "@modelcontextprotocol/sdk/types.js";
import { asAppError } from "../../errors/app-error.ts";
import { newTaskId } from "../../tasks/ids.ts";
import { isTerminal, type TaskOrigin } from "../../tasks/types.ts";
import type { TaskApi } from "../../workspace/rpc.ts";
import { callToolResultFor, MCP_POLL_INTERVAL_MS, mcpTask } from "./result.ts";

const MCP_PAGE_SIZE = 50;
const MCP_OUTPUT_CAP_BYTES = 65_536;

export interface McpTaskStoreSettings {
  retentionMs: number;
  defaultTimeoutMs: number;
  outputLimitBytes: number;
}

/** Told when an MCP task starts, so its state changes can be announced (relay.ts). */
export type TaskWatcher = (taskId: string, progressToken: string | number | undefined) => Promise<void>;

interface InlineCall {
  task: Task;
  result?: CallToolResult;
}

function originOf(request: Request): TaskOrigin {
  const name = (request.params as { name?: unknown } | undefined)?.name;
  return name === "run_file" ? "run_file" : "execute_code";
}

export class WorkspaceTaskStore implements TaskStore {
  #api: TaskApi | undefined;
  #settings: McpTaskStoreSettings = {
    retentionMs: 0,
    defaultTimeoutMs: 3_600_000,
    outputLimitBytes: MCP_OUTPUT_CAP_BYTES,
  };
  #watch: TaskWatcher | undefined;
  readonly #inline = new Map<string, InlineCall>();

  /** Connects the store to the session's workspace (the server is built before that). */
  bind(api: TaskApi, settings: McpTaskStoreSettings, watch?: TaskWatcher): void {
    this.#api = api;
    this.#settings = settings;
    this.#watch = watch;
  }

  get #tasks(): TaskApi {
    if (!this.#api) throw new Error("task store used before the session attached its workspace");
    return this.#api;
  }

  // ── inline calls (no `task` field) ───────────────────────────────────────

  isInline(taskId: string): boolean {
    return this.#inline.has(taskId);
  }

  completeInline(taskId: string, result: CallToolResult): Task {
    const call = this.#inline.get(taskId);
    if (!call) throw new Error(`no inline call ${taskId}`);
    call.result = result;
    call.task = { ...call.task, status: "completed", lastUpdatedAt: new Date().toISOString() };
    return call.task;
  }

  /** Records why a task could not be started; tasks/result returns `result`. */
  async failStart(taskId: string, result: CallToolResult, reason: string): Promise<Task> {
    await this.#tasks.storeMcpOutcome(taskId, { status: "failed", result: JSON.stringify(result) });
    await this.#tasks.settle(taskId, "failed", reason);
    return mcpTask(await this.#tasks.status(taskId), this.#settings.retentionMs);
  }

  // ── TaskStore ────────────────────────────────────────────────────────────

  async createTask(_params: CreateTaskOptions, _requestId: RequestId, request: Request): Promise<Task> {
    const params = request.params as
      | { task?: unknown; _meta?: { progressToken?: string | number } }
      | undefined;
    if (params?.task === undefined) {
      const now = new Date().toISOString();
      const task: Task = {
        taskId: `inline-${crypto.randomUUID()}`,
        status: "working",
        createdAt: now,
        lastUpdatedAt: now,
        ttl: null,
        pollInterval: MCP_POLL_INTERVAL_MS,
      };
      this.#inline.set(task.taskId, { task });
      return task;
    }
    const view = await this.#tasks.create({
      id: newTaskId(),
      origin: originOf(request),
      name: null,
      language: null,
      parentId: null,
      resumedFrom: null,
      metadata: null,
      timeoutMs: this.#settings.defaultTimeoutMs,
    });
    await this.#watch?.(view.task_id, params._meta?.progressToken);
    return mcpTask(view, this.#settings.retentionMs);
  }

  async getTask(taskId: string): Promise<Task | null> {
    const inline = this.#inline.get(taskId);
    if (inline) return inline.task;
    try {
      return mcpTask(await this.#tasks.status(taskId), this.#settings.retentionMs);
    } catch (error) {
      if (asAppError(error)?.code === "TASK_NOT_FOUND") return null;
      throw error;
    }
  }

  async storeTaskResult(taskId: string, status: "completed" | "failed", result: Result): Promise<void> {
    const inline = this.#inline.get(taskId);
    if (inline) {
      inline.result = result as CallToolResult;
      return;
    }
    await this.#tasks.storeMcpOutcome(taskId, { status, result: JSON.stringify(result) });
    await this.#tasks.settle(taskId, status, null);
  }

  async getTaskResult(taskId: string): Promise<Result> {
    const inline = this.#inline.get(taskId);
    if (inline) {
      this.#inline.delete(taskId);
      return inline.result ?? { content: [], isError: true };
    }
    const stored = await this.#tasks.mcpOutcome(taskId);
    if (stored) return JSON.parse(stored.result) as Result;
    const status = await this.#tasks.status(taskId);
    if (!isTerminal(status.state)) throw new Error(`Task ${taskId} has not finished yet`);
    const output = await this.#tasks.output(taskId, this.#settings.outputLimitBytes);
    return callToolResultFor(status, output);
  }

  async updateTaskStatus(taskId: string, status: Task["status"], statusMessage?: string): Promise<void> {
    if (this.#inline.has(taskId)) return;
    if (status === "cancelled") {
      try {
        await this.#tasks.cancel(taskId);
      } catch (error) {
        if (asAppError(error)?.code !== "TASK_ALREADY_FINISHED") throw error;
      }
    } else if (status === "completed" || status === "failed") {
      await this.#tasks.settle(taskId, status, statusMessage ?? null);
    }
    // working / input_required: a running process task already reads as working.
  }

  async listTasks(cursor?: string): Promise<{ tasks: Task[]; nextCursor?: string }> {
    const page = await this.#tasks.list({ limit: MCP_PAGE_SIZE, cursor });
    const tasks = page.tasks.map((t) => mcpTask(t, this.#settings.retentionMs));
    return page.next_cursor === null ? { tasks } : { tasks, nextCursor: page.next_cursor };
  }
}
