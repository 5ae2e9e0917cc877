/** Builds the MCP server: identity, capabilities and tools. Independent of the transport. */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SERVER_NAME, SERVER_VERSION } from "../version.ts";

export function createMcpServer(): McpServer {
  return new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      capabilities: { logging: {}, tools: {} },
      instructions:
        "An isolated computer for running code. Use execute_code for Python, JavaScript, TypeScript or bash; files live under /workspace. Call workspace_info to learn limits.",
    },
  );
}
