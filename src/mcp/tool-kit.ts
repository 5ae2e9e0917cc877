/**
 * How tools are declared and registered. A tool is a plain object (name, schemas,
 * annotations, handler); `registerTool` adapts it to the MCP SDK and turns thrown
 * errors into `isError` results the model can act on. Nothing here knows McpAgent.
 *
 * A tool with `task` also accepts MCP task-augmented calls (spec 2025-11-25,
 * `execution.taskSupport: "optional"`): a `tools/call` carrying `task` returns a task at
 * once and its result comes from `tasks/result`; a call without it runs as usual.
 */
import type { CreateTaskRequestHandlerExtra } from "@modelcontextprotocol/sdk/experimental/tasks/interfaces.js";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type {
  CallToolResult,
  ContentBlock,
  ServerNotification,
  Task,
  ToolAnnotations,
} from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import { AppError, asAppError } from "../errors/app-error.ts";
import type { ToolContract } from "./schemas/contract.ts";

/**
 * What a tool handler may use of the request it serves. Both protocol eras provide it:
 * the 2025 session server passes the SDK's own request extra (a superset), the
 * 2026-07-28 stateless server adapts its request context (src/mcp/stateless/).
 */
export interface ToolExtra {
  /** Aborted when the client cancels the call or goes away. */
  signal: AbortSignal;
  /** The request's `_meta` (progress token, related task, …). */
  _meta?: { progressToken?: string | number | undefined; [key: string]: unknown } | undefined;
  /** Sends a notification tied to this request (progress, logging). */
  sendNotification: (notification: ServerNotification) => Promise<void>;
}

export interface ToolOutput<O> {
  /** Validated against the tool's output schema and sent as `structuredContent`. */
  structured: O;
  /** Content blocks for the model; defaults to the structured value as JSON text. */
  content?: ContentBlock[];
  /** Marks a result the model should read as a failure (e.g. user code failed). */
  isError?: boolean;
}

/** A tool's contract (name and schemas, shared with the CLI) plus what only the server needs. */
export interface ToolDefinition<Deps, I extends z.ZodObject, O extends z.ZodObject>
  extends ToolContract<I, O> {
  title: string;
  /** Written for a model: what it does, when to use it, what comes back. */
  description: string;
  annotations: Required<
    Pick<ToolAnnotations, "readOnlyHint" | "destructiveHint" | "idempotentHint" | "openWorldHint">
  >;
  handler: (args: z.infer<I>, deps: Deps, extra: ToolExtra) => Promise<ToolOutput<z.infer<O>>>;
  /** Present when the tool can also run as an MCP task. */
  task?: ToolTaskSupport<Deps, I>;
  /** Present when a 2026-07-28 call may be answered with a Tasks-extension task. */
  extensionTask?: ExtensionTaskPolicy<I, O>;
}

export interface ToolTaskSupport<Deps, I extends z.ZodObject> {
  /**
   * Starts the work of a task-augmented call as the (already created) task `taskId` and
   * returns once it runs; the task's result is produced when it finishes.
   */
  start: (args: z.infer<I>, deps: Deps, taskId: string, extra: ToolExtra) => Promise<void>;
}

/** What registerTool needs from the server's task store for task-capable tools. */
export interface TaskCalls {
  /** The store created `taskId` for a call that did not ask to run as a task. */
  isInline(taskId: string): boolean;
  /** Completes such a call with its ordinary result. */
  completeInline(taskId: string, result: CallToolResult): Task;
  /** The task could not be started; `result` is what tasks/result returns. */
  failStart(taskId: string, result: CallToolResult, reason: string): Promise<Task>;
}

/**
 * How a call becomes a Tasks-extension task (protocol 2026-07-28, SEP-2663) when the
 * client declares the extension; the server decides per request.
 * - `start`: when `when(args)` holds, the call is started as a task through the tool's
 *   `task.start`, like a 2025 task-augmented call.
 * - `adopt`: the tool itself starts a background task; the call answers with that task.
 */
export type ExtensionTaskPolicy<I extends z.ZodObject, O extends z.ZodObject> =
  | { mode: "start"; when: (args: z.infer<I>) => boolean }
  | { mode: "adopt"; taskId: (output: z.infer<O>) => string };

/** Helps inference: `defineTool<Deps>()({...})`. */
export function defineTool<Deps>() {
  return <I extends z.ZodObject, O extends z.ZodObject>(def: ToolDefinition<Deps, I, O>) => def;
}

/** The text the model sees for a failure: code, message and what to do next. */
export function errorResult(error: AppError): CallToolResult {
  const lines = [`${error.code}: ${error.message}`];
  if (error.suggestion) lines.push(error.suggestion);
  return { isError: true, content: [{ type: "text", text: lines.join("\n") }] };
}

/** A thrown error as the result the model sees; unknown failures without internals. */
export function failureResult(toolName: string, error: unknown): CallToolResult {
  const known = asAppError(error);
  if (known) return errorResult(known);
  // Unknown failures are reported without internals; the detail goes to the log.
  console.error(`tool ${toolName} failed`, error);
  return errorResult(new AppError("INTERNAL", `${toolName} failed unexpectedly. Try again.`));
}

/** Runs a tool's handler and shapes its output (or failure) as a `CallToolResult`. */
export async function runTool<Deps, I extends z.ZodObject, O extends z.ZodObject>(
  tool: ToolDefinition<Deps, I, O>,
  args: z.infer<I>,
  deps: Deps,
  extra: ToolExtra,
): Promise<CallToolResult> {
  try {
    const out = await tool.handler(args, deps, extra);
    return {
      structuredContent: out.structured as Record<string, unknown>,
      content: out.content ?? [{ type: "text", text: JSON.stringify(out.structured, null, 2) }],
      ...(out.isError ? { isError: true } : {}),
    };
  } catch (error) {
    return failureResult(tool.name, error);
  }
}

export function registerTool<Deps, I extends z.ZodObject, O extends z.ZodObject>(
  server: McpServer,
  tool: ToolDefinition<Deps, I, O>,
  deps: Deps,
  tasks?: TaskCalls,
): void {
  const config = {
    title: tool.title,
    description: tool.description,
    inputSchema: tool.input,
    outputSchema: tool.output,
    annotations: { title: tool.title, ...tool.annotations },
  };
  const taskSupport = tool.task;
  if (taskSupport && tasks) {
    server.experimental.tasks.registerToolTask(
      tool.name,
      { ...config, execution: { taskSupport: "optional" } },
      {
        // As in registerTool below, the SDK has validated `args` against `tool.input`.
        createTask: (async (args: unknown, extra: CreateTaskRequestHandlerExtra) => {
          const task = await extra.taskStore.createTask({ ttl: extra.taskRequestedTtl ?? null });
          if (tasks.isInline(task.taskId)) {
            const result = await runTool(tool, args as z.infer<I>, deps, extra);
            return { task: tasks.completeInline(task.taskId, result) };
          }
          // A task begins `working` (spec 2025-11-25), even one that already ended: its
          // outcome is what tasks/get and tasks/result report next.
          try {
            await taskSupport.start(args as z.infer<I>, deps, task.taskId, extra);
          } catch (error) {
            const result = failureResult(tool.name, error);
            const reason = asAppError(error)?.message ?? "could not start";
            return { task: { ...(await tasks.failStart(task.taskId, result, reason)), status: "working" } };
          }
          const created = await extra.taskStore.getTask(task.taskId);
          return { task: created ? { ...created, status: "working" } : created };
        }) as never,
        getTask: (async (_args: unknown, extra: CreateTaskRequestHandlerExtra & { taskId: string }) =>
          extra.taskStore.getTask(extra.taskId)) as never,
        getTaskResult: (async (_args: unknown, extra: CreateTaskRequestHandlerExtra & { taskId: string }) =>
          extra.taskStore.getTaskResult(extra.taskId)) as never,
      },
    );
    return;
  }
  server.registerTool(
    tool.name,
    config,
    // The SDK validates `args` against `tool.input` before this runs. Its callback type is
    // computed from the schema generically and cannot be named here, hence the cast.
    ((args: unknown, extra: ToolExtra) => runTool(tool, args as z.infer<I>, deps, extra)) as never,
  );
}

/**
 * Where tools are registered. One list of tools (src/mcp/tools/index.ts) serves both
 * protocol eras through a host each: `sessionToolHost` (2025 sessions, SDK v1 server)
 * and the stateless 2026-07-28 host (src/mcp/stateless/tool-host.ts).
 */
export interface ToolHost<Deps> {
  register<I extends z.ZodObject, O extends z.ZodObject>(tool: ToolDefinition<Deps, I, O>, deps: Deps): void;
}
