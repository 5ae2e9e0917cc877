/**
 * The tools on a 2026-07-28 server (SDK v2, low-level `Server`): the same tool
 * definitions the 2025 sessions register, listed and called here. The low-level server
 * is used because a call may be answered with a Tasks-extension task, which the SDK's
 * high-level tool wrapper would reject as a result without `structuredContent`.
 *
 * Protocol errors follow the spec: an unknown tool or invalid arguments is a JSON-RPC
 * -32602 naming the cause; a failure while the tool runs is an `isError` result.
 */

import type { ServerNotification } from "@modelcontextprotocol/sdk/types.js";
import {
  CLIENT_CAPABILITIES_META_KEY,
  ProtocolError,
  ProtocolErrorCode,
  type ServerContext,
  type Tool,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import { AppError } from "../../errors/app-error.ts";
import { newTaskId } from "../../tasks/ids.ts";
import type { TaskOrigin } from "../../tasks/types.ts";
import type { ToolDeps } from "../deps.ts";
import { callFingerprint, once, waitLimitMs } from "../idempotency.ts";
import { failureResult, runTool, type ToolDefinition, type ToolExtra, type ToolHost } from "../tool-kit.ts";
import { createTaskResult, TASKS_EXTENSION } from "./tasks-extension.ts";

export type ListedTool = Tool;

export interface CallParams {
  name: string;
  arguments?: Record<string, unknown> | undefined;
}

type Answer = Record<string, unknown>;

interface Entry {
  listed: ListedTool;
  call(args: Record<string, unknown>, ctx: ServerContext): Promise<Answer>;
}

// JSON Schemas per zod schema, computed once per isolate: a server is built per request.
const jsonSchemas = {
  input: new WeakMap<z.ZodObject, Record<string, unknown>>(),
  output: new WeakMap<z.ZodObject, Record<string, unknown>>(),
};

function jsonSchema(schema: z.ZodObject, io: "input" | "output"): Record<string, unknown> {
  let json = jsonSchemas[io].get(schema);
  if (!json) {
    json = z.toJSONSchema(schema, { io }) as Record<string, unknown>;
    jsonSchemas[io].set(schema, json);
  }
  return json;
}

/** Tells the client (at the request's logLevel) that a call became a task. */
async function announceStarted(ctx: ServerContext, taskId: string, tool: string): Promise<void> {
  // A log line the client cannot take must not fail the call that started the task.
  await ctx.mcpReq.log("info", { task: taskId, tool, event: "started" }, "tasks").catch(() => undefined);
}

const ClientExtensions = z.object({ extensions: z.record(z.string(), z.unknown()).optional() }).loose();

/** Whether this request's client declared the Tasks extension (in its per-request capabilities). */
export function declaresTasks(ctx: ServerContext): boolean {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  const parsed = ClientExtensions.safeParse(envelope?.[CLIENT_CAPABILITIES_META_KEY]);
  return parsed.success && parsed.data.extensions?.[TASKS_EXTENSION] !== undefined;
}

function toolExtra(ctx: ServerContext): ToolExtra {
  return {
    signal: ctx.mcpReq.signal,
    _meta: ctx.mcpReq._meta as ToolExtra["_meta"],
    sendNotification: (notification: ServerNotification) => ctx.mcpReq.notify(notification),
  };
}

function taskOrigin(name: string): TaskOrigin {
  return name === "run_file" ? "run_file" : "execute_code";
}

export class StatelessToolHost implements ToolHost<ToolDeps> {
  readonly #tools = new Map<string, Entry>();
  readonly #retentionMs: number;

  constructor(settings: { retentionMs: number }) {
    this.#retentionMs = settings.retentionMs;
  }

  register<I extends z.ZodObject, O extends z.ZodObject>(
    tool: ToolDefinition<ToolDeps, I, O>,
    deps: ToolDeps,
  ): void {
    const listed: ListedTool = {
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: jsonSchema(tool.input, "input") as Tool["inputSchema"],
      outputSchema: jsonSchema(tool.output, "output") as Tool["outputSchema"],
      annotations: { title: tool.title, ...tool.annotations },
    };
    this.#tools.set(tool.name, {
      listed,
      call: (args, ctx) => this.#call(tool, deps, args as z.infer<I>, ctx),
    });
  }

  /** In registration order, which never changes: the list is the same on every request. */
  list(): ListedTool[] {
    return [...this.#tools.values()].map((entry) => entry.listed);
  }

  async call(params: CallParams, ctx: ServerContext): Promise<Answer> {
    const entry = this.#tools.get(params.name);
    if (!entry) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${params.name}`);
    return entry.call(params.arguments ?? {}, ctx);
  }

  async #call<I extends z.ZodObject, O extends z.ZodObject>(
    tool: ToolDefinition<ToolDeps, I, O>,
    deps: ToolDeps,
    raw: unknown,
    ctx: ServerContext,
  ): Promise<Answer> {
    const parsed = tool.input.safeParse(raw);
    if (!parsed.success) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Invalid arguments for tool ${tool.name}: ${z.prettifyError(parsed.error)}`,
      );
    }
    const args = parsed.data;
    const extra = toolExtra(ctx);
    const policy = declaresTasks(ctx) ? tool.extensionTask : undefined;
    if (policy?.mode === "start" && tool.task && policy.when(args)) {
      return this.#startTask(tool, deps, args, extra, ctx);
    }
    const result = await runTool(tool, args, deps, extra);
    if (!result.isError) {
      const checked = tool.output.safeParse(result.structuredContent);
      if (!checked.success) {
        console.error(`tool ${tool.name}: output does not match its schema`, z.prettifyError(checked.error));
        return failureResult(
          tool.name,
          new AppError("INTERNAL", `${tool.name} returned a malformed result.`),
        );
      }
      if (policy?.mode === "adopt") {
        const view = await deps.tasks.status(policy.taskId(checked.data));
        await announceStarted(ctx, view.task_id, tool.name);
        return createTaskResult(view, this.#retentionMs);
      }
    }
    return result;
  }

  /** Starts the call as a task of the workspace and answers with it. */
  async #startTask<I extends z.ZodObject, O extends z.ZodObject>(
    tool: ToolDefinition<ToolDeps, I, O>,
    deps: ToolDeps,
    args: z.infer<I>,
    extra: ToolExtra,
    ctx: ServerContext,
  ): Promise<Answer> {
    const start = async (): Promise<{ task_id: string }> => {
      const view = await deps.tasks.create({
        id: newTaskId(),
        origin: taskOrigin(tool.name),
        name: null,
        language: null,
        parentId: null,
        resumedFrom: null,
        metadata: null,
        timeoutMs: deps.config.TASK_DEFAULT_TIMEOUT_SECONDS * 1000,
      });
      try {
        await tool.task?.start(args, deps, view.task_id, extra);
      } catch (error) {
        // The task exists and ends at once; tasks/get reports why, as the call's result.
        const result = failureResult(tool.name, error);
        await deps.tasks.storeMcpOutcome(view.task_id, { status: "failed", result: JSON.stringify(result) });
        await deps.tasks.settle(
          view.task_id,
          "failed",
          result.content[0]?.type === "text" ? result.content[0].text : "could not start",
        );
      }
      return { task_id: view.task_id };
    };
    const key = (args as { idempotency_key?: string }).idempotency_key;
    const started =
      key === undefined
        ? await start()
        : await once(
            deps.idempotency,
            key,
            await callFingerprint(`${tool.name}#task`, args),
            waitLimitMs(deps),
            start,
          );
    await announceStarted(ctx, started.task_id, tool.name);
    return createTaskResult(await deps.tasks.status(started.task_id), this.#retentionMs);
  }
}
