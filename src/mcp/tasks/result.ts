/**
 * MCP views of our tasks: the spec's `Task` object (tasks/get, tasks/list) and the
 * `CallToolResult` that tasks/result returns once a task has finished. The result has
 * the shape of the tool that started the task (execute_code, run_file), so a client
 * sees the same fields whether it called the tool directly or as a task.
 */
import type { CallToolResult, Task } from "@modelcontextprotocol/sdk/types.js";
import type { TaskOutput, TaskState, TaskStatus, TaskView } from "../../tasks/types.ts";

/** How often clients are asked to poll tasks/get. */
export const MCP_POLL_INTERVAL_MS = 1_000;

export function mcpStatus(state: TaskState): Task["status"] {
  switch (state) {
    case "queued":
    case "running":
      return "working";
    case "completed":
      return "completed";
    case "cancelled":
      return "cancelled";
    case "failed":
    case "timed_out":
    case "lost":
      return "failed";
  }
}

/**
 * How long after creation a task may be deleted: its whole allowed run time plus the
 * retention period after it ends. Fixed at creation, so the value a client reads never
 * drifts while the task runs or when it ends early.
 */
export function mcpTtlMs(view: Pick<TaskView, "timeout_seconds">, retentionMs: number): number {
  return view.timeout_seconds * 1000 + retentionMs;
}

export function mcpTask(view: TaskView, retentionMs: number): Task {
  const message =
    view.state === "running"
      ? `running; ${view.log.lines} lines of output so far`
      : view.reason === null
        ? view.state
        : `${view.state}: ${view.reason}`;
  return {
    taskId: view.task_id,
    status: mcpStatus(view.state),
    statusMessage: message,
    createdAt: view.created_at,
    lastUpdatedAt: view.updated_at,
    ttl: mcpTtlMs(view, retentionMs),
    pollInterval: MCP_POLL_INTERVAL_MS,
  };
}

function diagnostics(task: TaskView) {
  switch (task.state) {
    case "completed":
    case "queued":
    case "running":
      return null;
    case "timed_out":
      return {
        error_type: "TIMEOUT" as const,
        timeout_seconds: task.timeout_seconds,
        message: task.reason ?? "",
      };
    case "cancelled":
    case "lost":
      return { error_type: "KILLED" as const, message: `${task.state}: ${task.reason ?? ""}` };
    case "failed":
      return task.exit_code === null
        ? { error_type: "KILLED" as const, message: task.reason ?? "failed" }
        : { error_type: "NONZERO_EXIT" as const, message: `Exit code ${task.exit_code}` };
  }
}

/** The run-result fields (see src/mcp/schemas/run.ts) of a finished process task. */
export function runFields(task: TaskView, output: TaskOutput) {
  return {
    success: task.state === "completed",
    stdout: output.stdout,
    stderr: output.stderr,
    exit_code: task.exit_code,
    duration_ms: task.duration_ms ?? 0,
    truncated: output.truncated,
    full_output: {},
    diagnostics: diagnostics(task),
  };
}

/** tasks/result for a finished task, shaped like the result of the tool that started it. */
export function callToolResultFor(status: TaskStatus, output: TaskOutput): CallToolResult {
  let structured: Record<string, unknown>;
  switch (status.origin) {
    case "execute_code":
      structured = {
        ...runFields(status, output),
        images: 0,
        context_reset: false,
        task: { task_id: status.task_id, state: status.state, backgrounded: false },
      };
      break;
    case "run_file":
      // run_file tasks are named after the file they run.
      structured = { ...runFields(status, output), path: status.name ?? "" };
      break;
    case "start_task":
    case "resume_task":
      structured = { ...status };
      break;
  }
  return {
    structuredContent: structured,
    content: [{ type: "text", text: JSON.stringify(structured, null, 2) }],
    ...(status.state === "completed" ? {} : { isError: true }),
  };
}
