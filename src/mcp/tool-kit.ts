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
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type {
  CallToolResult,
  ContentBlock,
  ServerNotification,
  ServerRequest,
  Task,
  ToolAnnotations,
} from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import { AppError, asAppError } from "../errors/app-error.ts";
import type { ToolContract } from "./schemas/contract.ts";

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

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
function failureResult(toolName: string, error: unknown): CallToolResult {
  const known = asAppError(error);
  if (known) return errorResult(known);
  // Unknown failures are reported without internals; the detail goes to the log.
  console.error(`tool ${toolName} failed`, error);
  return errorResult(new AppError("INTERNAL", `${toolName} failed unexpectedly. Try again.`));
}

async function runTool<Deps, I extends z.ZodObject, O extends z.ZodObject>(
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
          try {
            await taskSupport.start(args as z.infer<I>, deps, task.taskId, extra);
          } catch (error) {
            const result = failureResult(tool.name, error);
            const reason = asAppError(error)?.message ?? "could not start";
            return { task: await tasks.failStart(task.taskId, result, reason) };
          }
          return { task: await extra.taskStore.getTask(task.taskId) };
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
