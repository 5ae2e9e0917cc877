/**
 * Builds the code-mode service for one MCP session, or nothing when no upstream
 * servers are configured (then the discovery tools are not registered at all).
 */
import type { Config } from "../config/config.ts";
import { type CallLogSink, CodemodeService } from "./service.ts";
import { UpstreamManager } from "./upstreams.ts";

export interface CodemodeEnv {
  LOADER: WorkerLoader;
}

export function createCodemodeService(
  env: CodemodeEnv & object,
  config: Config,
  logCalls?: CallLogSink,
): CodemodeService | undefined {
  if (config.UPSTREAM_MCP_SERVERS.length === 0) return undefined;
  const upstreams = new UpstreamManager(config.UPSTREAM_MCP_SERVERS, { env: env as Record<string, unknown> });
  return new CodemodeService({ upstreams, loader: env.LOADER, ...(logCalls ? { logCalls } : {}) });
}
