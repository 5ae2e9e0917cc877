/** Registers every tool on a server. The only list of tools. */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolDeps } from "../deps.ts";
import { registerTool } from "../tool-kit.ts";
import { workspaceInfoTool } from "./workspace-info.ts";

export function registerTools(server: McpServer, deps: ToolDeps): void {
  registerTool(server, workspaceInfoTool, deps);
}
