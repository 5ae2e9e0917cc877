/** Builds the MCP server: identity, capabilities and tools. Independent of the transport. */
import type { TaskStore } from "@modelcontextprotocol/sdk/experimental/tasks/interfaces.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SERVER_NAME, SERVER_VERSION } from "../shared/version.ts";

export interface McpServerOptions {
  /** Enables MCP tasks (tasks/get, tasks/result, tasks/list, tasks/cancel) backed by this store. */
  taskStore?: TaskStore;
}

export const SERVER_INSTRUCTIONS =
  "An isolated computer for running code. Use execute_code for Python, JavaScript, TypeScript or bash; files live under /workspace. Call workspace_info to learn limits.";

export function createMcpServer(options: McpServerOptions = {}): McpServer {
  const tasks = options.taskStore
    ? { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } }
    : {};
  return new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      capabilities: { logging: {}, tools: {}, ...tasks },
      ...(options.taskStore ? { taskStore: options.taskStore } : {}),
      instructions: SERVER_INSTRUCTIONS,
    },
  );
}
