/**
 * Protocol 2026-07-28 at `/mcp`: stateless requests (no `initialize`, no session id;
 * version and capabilities in each request's `_meta`), served by the SDK v2 handler with
 * a fresh server per request. 2025 traffic never reaches this file: index.ts routes a
 * request here only when the SDK's own classifier says it is not legacy, so a 2025 client
 * — including one that probes with `server/discover` and falls back — keeps its session.
 *
 * Workspaces without sessions: the URL's `?workspace=<name>` selects a named workspace of
 * the caller's principal; without it, every 2026-07-28 call of a principal uses that
 * principal's workspace named `default` (the same one `?workspace=default` reaches). The
 * workspace Durable Object is keyed by (principal, name), so two principals never share
 * one, whatever they send.
 */
import { createMcpHandler, isLegacyRequest } from "@modelcontextprotocol/server";
import type { Config } from "../config/config.ts";
import { createStatelessServer } from "../mcp/stateless/server.ts";
import { sandboxId, workspaceKey } from "../workspace/names.ts";
import { workspaceClient } from "../workspace/rpc.ts";
import type { WorkspaceMeta } from "../workspace/schema.ts";
import type { Forward } from "./mcp-routes.ts";
import type { SessionProps } from "./session-agent.ts";
import { buildToolDeps } from "./tool-deps.ts";

/** The workspace a 2026-07-28 call without `?workspace=` uses. */
export const DEFAULT_WORKSPACE = "default";

/** The JSON-RPC body, or undefined when it is not JSON (the legacy path answers that). */
export function parseBody(body: ArrayBuffer | null): unknown {
  if (body === null || body.byteLength === 0) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch {
    return undefined;
  }
}

/** Whether a POST to /mcp speaks 2026-07-28 (decided by the SDK's own classifier). */
export async function isModernRequest(request: Request, parsed: unknown): Promise<boolean> {
  if (request.method !== "POST" || parsed === undefined) return false;
  return !(await isLegacyRequest(request, parsed));
}

/** The methods that run a tool or read a task: only they attach (and so create) the workspace. */
const WORKSPACE_METHODS = new Set(["tools/call", "tasks/get", "tasks/cancel", "tasks/update"]);

/**
 * What a request that runs no tool (server/discover, tools/list, ping) gets instead of an
 * attach: the workspace's identity, derived without touching its Durable Object.
 */
async function unattached(principal: string, name: string): Promise<WorkspaceMeta> {
  const epoch = new Date(0).toISOString();
  return {
    name,
    named: true,
    principal,
    sandboxId: await sandboxId(workspaceKey(principal, name)),
    createdAt: epoch,
    lastUsedAt: epoch,
    expiresAt: null,
  };
}

function method(parsed: unknown): string {
  const value = (parsed as { method?: unknown } | null)?.method;
  return typeof value === "string" ? value : "(response)";
}

export async function serveStateless(
  f: Forward,
  parsed: unknown,
  props: SessionProps,
  config: Config,
): Promise<Response> {
  if (method(parsed) === "server/discover") {
    // Operators see which era a client negotiated (a 2025 client opens with initialize).
    // biome-ignore lint/suspicious/noConsole: one informational line per connecting client
    console.info(`mcp: 2026-07-28 server/discover (principal ${props.principal})`);
  }
  const name = props.workspace ?? DEFAULT_WORKSPACE;
  const ws = workspaceClient(f.env.WORKSPACE.getByName(workspaceKey(props.principal, name)));
  const handler = createMcpHandler(
    async () => {
      const meta = WORKSPACE_METHODS.has(method(parsed))
        ? await ws.workspace.attach(props.principal, name, true)
        : await unattached(props.principal, name);
      const deps = buildToolDeps({
        env: f.env,
        config,
        principal: props.principal,
        ws,
        meta,
        tasks: ws.tasks,
        // attach() above already recorded this request as use of the workspace.
        touch: () => undefined,
        origin: props.origin,
      });
      return createStatelessServer(deps, {
        retentionMs: config.TASK_RETENTION_SECONDS * 1000,
        outputLimitBytes: config.OUTPUT_LIMIT_BYTES,
      });
    },
    {
      legacy: "reject",
      maxRequestBodySize: config.MAX_REQUEST_BYTES,
      onerror: (error) => console.warn("mcp 2026-07-28:", error.message),
    },
  );
  const request = new Request(f.url, {
    method: f.request.method,
    headers: f.request.headers,
    signal: f.request.signal,
  });
  return handler.fetch(request, { parsedBody: parsed });
}
