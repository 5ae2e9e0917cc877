/**
 * How tools are declared and registered. A tool is a plain object (name, schemas,
 * annotations, handler); `registerTool` adapts it to the MCP SDK and turns thrown
 * errors into `isError` results the model can act on. Nothing here knows McpAgent.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type {
  CallToolResult,
  ContentBlock,
  ServerNotification,
  ServerRequest,
  ToolAnnotations,
} from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import { AppError, asAppError } from "../errors/app-error.ts";

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface ToolOutput<O> {
  /** Validated against the tool's output schema and sent as `structuredContent`. */
  structured: O;
  /** Content blocks for the model; defaults to the structured value as JSON text. */
  content?: ContentBlock[];
  /** Marks a result the model should read as a failure (e.g. user code failed). */
  isError?: boolean;
}

export interface ToolDefinition<Deps, I extends z.ZodObject, O extends z.ZodObject> {
  name: string;
  title: string;
  /** Written for a model: what it does, when to use it, what comes back. */
  description: string;
  annotations: Required<
    Pick<ToolAnnotations, "readOnlyHint" | "destructiveHint" | "idempotentHint" | "openWorldHint">
  >;
  input: I;
  output: O;
  handler: (args: z.infer<I>, deps: Deps, extra: ToolExtra) => Promise<ToolOutput<z.infer<O>>>;
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

export function registerTool<Deps, I extends z.ZodObject, O extends z.ZodObject>(
  server: McpServer,
  tool: ToolDefinition<Deps, I, O>,
  deps: Deps,
): void {
  server.registerTool(
    tool.name,
    {
      title: tool.title,
      description: tool.description,
      inputSchema: tool.input,
      outputSchema: tool.output,
      annotations: { title: tool.title, ...tool.annotations },
    },
    // The SDK validates `args` against `tool.input` before this runs. Its callback type is
    // computed from the schema generically and cannot be named here, hence the cast.
    (async (args: unknown, extra: ToolExtra): Promise<CallToolResult> => {
      try {
        const out = await tool.handler(args as z.infer<I>, deps, extra);
        return {
          structuredContent: out.structured as Record<string, unknown>,
          content: out.content ?? [{ type: "text", text: JSON.stringify(out.structured, null, 2) }],
          ...(out.isError ? { isError: true } : {}),
        };
      } catch (error) {
        const known = asAppError(error);
        if (known) return errorResult(known);
        // Unknown failures are reported without internals; the detail goes to the log.
        console.error(`tool ${tool.name} failed`, error);
        return errorResult(new AppError("INTERNAL", `${tool.name} failed unexpectedly. Try again.`));
      }
    }) as never,
  );
}
