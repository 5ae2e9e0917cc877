/**
 * Worker entry: health, authentication, origin checks and every HTTP route — the MCP
 * transports, task events, the code-mode callback and the containers' code-mode outbound
 * handler. Everything that rejects a request does so here, before any Durable Object is
 * touched.
 */
import { type Config, configFrom } from "../config/config.ts";
import { asAppError } from "../errors/app-error.ts";
import { Sandbox } from "../sandbox/cloudflare/sandbox-do.ts";
import { readBodyWithin } from "../shared/read-body.ts";
import { SERVER_NAME, SERVER_VERSION } from "../shared/version.ts";
import { validateWorkspaceName } from "../workspace/names.ts";
import { bearerToken } from "./auth.ts";
import { handleCodemodeCallback } from "./codemode-callback.ts";
import { codemodeOutboundByHost } from "./codemode-outbound.ts";
import { appErrorResponse, errorResponse, jsonResponse } from "./http.ts";
import { serveLegacySse, servePreflight, serveStreamable } from "./mcp-routes.ts";
import { authenticateBearer, bearerChallenge } from "./oauth/bearer.ts";
import { serveOAuth } from "./oauth/routes.ts";
import { hostAllowed, originAllowed } from "./origin.ts";
import type { SessionProps } from "./session-agent.ts";
import { isModernRequest, parseBody, serveStateless } from "./stateless.ts";
import { TASK_EVENTS_PATH } from "./task-event-stream.ts";
import { serveTaskEvents } from "./task-events.ts";

// The container class and the proxy its outbound traffic is routed through.
export { ContainerProxy } from "../sandbox/cloudflare/sandbox-do.ts";
export { SandboxPool } from "../workspace/warm-pool.ts";
export { Workspace } from "../workspace/workspace-do.ts";
export { McpSession } from "./session-agent.ts";
export { Sandbox };

// Code mode: container programs reach the Worker at http://codemode.internal.
Sandbox.outboundByHost = codemodeOutboundByHost;

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    let config: Config;
    try {
      config = configFrom(env);
    } catch (error) {
      const e = asAppError(error);
      console.error(e?.message ?? "configuration error");
      return url.pathname === "/health"
        ? jsonResponse({ status: "error", error: e?.message ?? "invalid configuration" }, 500)
        : errorResponse(500, "CONFIG_INVALID", "The server is misconfigured; see its logs.");
    }

    if (url.pathname === "/health") {
      return jsonResponse({
        status: "ok",
        name: SERVER_NAME,
        version: SERVER_VERSION,
        backend: config.SANDBOX_BACKEND,
      });
    }
    // Code-mode calls from sandboxed programs: authenticated by their per-run token.
    const codemodeCallback = await handleCodemodeCallback(request, env);
    if (codemodeCallback) return codemodeCallback;
    // OAuth: metadata, registration, token, consent page, grant management.
    const oauth = await serveOAuth(request, url, env, ctx, config);
    if (oauth) return oauth;

    const isMcp = url.pathname === "/mcp";
    const isSse = url.pathname === "/sse" || url.pathname === "/sse/message";
    const taskEvents = TASK_EVENTS_PATH.exec(url.pathname);
    if (!isMcp && !isSse && !taskEvents)
      return errorResponse(404, "NOT_FOUND", `No route for ${request.method} ${url.pathname}`);

    if (!hostAllowed(request, config)) {
      return errorResponse(
        403,
        "FORBIDDEN_HOST",
        `This server does not answer to the name "${url.hostname}". Add it to ALLOWED_HOSTS.`,
      );
    }
    if (!originAllowed(request, config)) {
      return errorResponse(403, "FORBIDDEN_ORIGIN", "This Origin is not allowed. Add it to ALLOWED_ORIGINS.");
    }
    // CORS preflights carry no credentials by design.
    if (request.method === "OPTIONS" && !taskEvents) return servePreflight(isMcp, request, env, ctx);

    // An API token or an OAuth access token; both name a principal of API_TOKENS.
    const token = bearerToken(request);
    const caller = await authenticateBearer(token, url, env, ctx, config);
    if (!caller) {
      return errorResponse(
        401,
        "UNAUTHORIZED",
        token === undefined
          ? "Missing bearer token: send Authorization: Bearer <token>, or sign in with OAuth."
          : "Invalid bearer token.",
        { "WWW-Authenticate": bearerChallenge(url, env, config, token !== undefined) },
      );
    }

    // Task events: same principal rules as MCP; the task is looked up in the caller's workspace.
    if (taskEvents?.[1]) return serveTaskEvents(request, url, env, caller.principal, taskEvents[1]);

    let workspace: string | null = null;
    const requested = url.searchParams.get("workspace");
    if (requested !== null) {
      try {
        workspace = validateWorkspaceName(requested);
      } catch (error) {
        const e = asAppError(error);
        if (e) return appErrorResponse(e);
        throw error;
      }
    }
    const props: SessionProps = { principal: caller.principal, workspace, origin: url.origin };
    (ctx as unknown as { props: SessionProps }).props = props;

    const body = await readBodyWithin(request, config.MAX_REQUEST_BYTES);
    if (body === "too-large") {
      return errorResponse(
        413,
        "PAYLOAD_TOO_LARGE",
        `Request body exceeds ${config.MAX_REQUEST_BYTES} bytes.`,
      );
    }
    // Sessions are bound to the principal's API token whichever kind of token was sent.
    const forward = { request, url, body, env, ctx, token: caller.bindingKey };
    if (isMcp) {
      const parsed = parseBody(body);
      if (await isModernRequest(request, parsed)) return serveStateless(forward, parsed, props, config);
    }
    return isMcp ? serveStreamable(forward) : serveLegacySse(forward);
  },
} satisfies ExportedHandler<Env>;
