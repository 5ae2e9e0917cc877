/**
 * Registers tools on the 2025 session server (SDK v1 `McpServer`) and puts the spec's
 * protocol errors in front of its `tools/call` handler. The SDK turns every failure of a
 * call into an `isError` result, and for a task-augmented call that result then fails
 * its own check as "Invalid task creation result". Spec 2025-11-25 wants JSON-RPC errors
 * instead: -32602 for an unknown tool (any call) or invalid arguments (task-augmented
 * calls; a plain call's invalid arguments stay an `isError` result the model can act on),
 * and -32601 for a task-augmented call to a tool that does not support tasks.
 *
 * Errors are thrown with a bare message and a `code`: an SDK `McpError` would put its
 * "MCP error -32602:" prefix into the wire message, and the client adds it once more.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { CallToolRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { registerTool, type TaskCalls, type ToolHost } from "./tool-kit.ts";

type Handler = (request: unknown, extra: unknown) => Promise<unknown>;

interface Registered {
  input: z.ZodObject;
  taskCapable: boolean;
}

function protocolError(code: number, message: string): Error {
  return Object.assign(new Error(message), { code });
}

function check(
  tools: Map<string, Registered>,
  params: z.infer<typeof CallToolRequestSchema>["params"],
): void {
  const tool = tools.get(params.name);
  if (!tool) throw protocolError(-32602, `Unknown tool: ${params.name}`);
  if (params.task === undefined) return;
  if (!tool.taskCapable) {
    throw protocolError(
      -32601,
      `Tool ${params.name} does not support task-augmented calls (taskSupport: forbidden)`,
    );
  }
  const parsed = tool.input.safeParse(params.arguments ?? {});
  if (!parsed.success) {
    throw protocolError(
      -32602,
      `Invalid arguments for tool ${params.name}: ${z.prettifyError(parsed.error)}`,
    );
  }
}

/** Registers on an SDK v1 `McpServer`; tools with `task` also accept 2025-11-25 task-augmented calls. */
export function sessionToolHost<Deps>(server: McpServer, tasks?: TaskCalls): ToolHost<Deps> {
  const tools = new Map<string, Registered>();
  let guarded = false;
  return {
    register: (tool, deps) => {
      const taskCalls = tool.task ? tasks : undefined;
      registerTool(server, tool, deps, taskCalls);
      tools.set(tool.name, { input: tool.input, taskCapable: taskCalls !== undefined });
      if (guarded) return;
      // The SDK installs its tools/call handler with the first tool; wrap it once. It keeps
      // the handler in a private map, read here only to delegate to it.
      const handlers = (server.server as unknown as { _requestHandlers: Map<string, Handler> })
        ._requestHandlers;
      const sdkHandler = handlers.get("tools/call");
      if (!sdkHandler) throw new Error("the SDK did not install a tools/call handler");
      server.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
        check(tools, request.params);
        return (await sdkHandler(request, extra)) as never;
      });
      guarded = true;
    },
  };
}
