/**
 * The MCP server for protocol 2026-07-28 (SDK v2): stateless, one instance per request,
 * built by the Worker's handler (src/worker/stateless.ts). Same identity, instructions and
 * tools as the 2025 session server (src/mcp/server.ts); tasks are the Tasks extension.
 *
 * `tools/list` is the same on every request and carries a cache hint: clients may keep it
 * for TOOLS_LIST_TTL_MS (it changes only when the server is redeployed or reconfigured).
 */
import { Server } from "@modelcontextprotocol/server";
import { SERVER_NAME, SERVER_VERSION } from "../../shared/version.ts";
import type { TaskApi } from "../../workspace/rpc.ts";
import type { ToolDeps } from "../deps.ts";
import { SERVER_INSTRUCTIONS } from "../server.ts";
import { registerTools } from "../tools/index.ts";
import { type ExtensionTaskSettings, installTaskMethods, TASKS_EXTENSION } from "./tasks-extension.ts";
import { StatelessToolHost } from "./tool-host.ts";

const TOOLS_LIST_TTL_MS = 300_000;

export function createStatelessServer(deps: ToolDeps, settings: ExtensionTaskSettings): Server {
  const server = new Server(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      capabilities: { logging: {}, tools: {}, extensions: { [TASKS_EXTENSION]: {} } },
      instructions: SERVER_INSTRUCTIONS,
    },
  );
  const host = new StatelessToolHost(settings);
  registerTools(host, deps);
  server.setRequestHandler("tools/list", () => ({
    tools: host.list(),
    ttlMs: TOOLS_LIST_TTL_MS,
    cacheScope: "private" as const,
  }));
  server.setRequestHandler("tools/call", (request, ctx) => host.call(request.params, ctx) as never);
  installTaskMethods(server, async (): Promise<TaskApi> => deps.tasks, settings);
  return server;
}
