/**
 * Builds the code-mode service for one MCP session, or nothing when no upstream
 * servers are configured (then the discovery tools are not registered at all).
 */
import type { Config } from "../config/config.ts";
import type { SandboxBackend, WorkspaceRef } from "../sandbox/backend.ts";
import type { CodemodeRunHost } from "./python/run-python.ts";
import { type CallLogSink, CodemodeService } from "./service.ts";
import { UpstreamManager } from "./upstreams.ts";

export interface CodemodeEnv {
  LOADER: WorkerLoader;
}

export interface CodemodeSessionParts {
  /** Where finished JavaScript runs' calls are logged (the workspace Durable Object). */
  logCalls?: CallLogSink;
  /** For Python runs: the sandbox, the workspace, and the Worker's own origin. */
  python?: {
    sandbox: SandboxBackend;
    ws: WorkspaceRef;
    /** The workspace Durable Object that opens and closes runs. */
    workspace: CodemodeRunHost;
    /** The origin the MCP client used; a callback base only when it is loopback. */
    requestOrigin?: string;
  };
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * The base URL the local sandbox host relays calls to: CODEMODE_CALLBACK_URL, or the
 * MCP request's own origin when it is a loopback address (local development). A
 * client-chosen Host header is never trusted beyond loopback: the relay would send the
 * sandbox's calls there.
 */
export function callbackBase(config: Config, requestOrigin: string | undefined): string | undefined {
  if (config.CODEMODE_CALLBACK_URL) return config.CODEMODE_CALLBACK_URL;
  if (!requestOrigin) return undefined;
  try {
    return LOOPBACK.has(new URL(requestOrigin).hostname) ? requestOrigin : undefined;
  } catch {
    return undefined;
  }
}

export function createCodemodeService(
  env: CodemodeEnv & object,
  config: Config,
  parts: CodemodeSessionParts = {},
): CodemodeService | undefined {
  if (config.UPSTREAM_MCP_SERVERS.length === 0) return undefined;
  const upstreams = new UpstreamManager(config.UPSTREAM_MCP_SERVERS, { env: env as Record<string, unknown> });
  const p = parts.python;
  const base = p ? callbackBase(config, p.requestOrigin) : undefined;
  return new CodemodeService({
    upstreams,
    loader: env.LOADER,
    ...(parts.logCalls ? { logCalls: parts.logCalls } : {}),
    ...(p
      ? {
          python: {
            sandbox: p.sandbox,
            ws: p.ws,
            workspace: p.workspace,
            ...(base ? { callbackBase: base } : {}),
          },
        }
      : {}),
  });
}
