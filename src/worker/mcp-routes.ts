/**
 * The two MCP transports behind the edge's checks. Both bind session ids to the token
 * that created them (see session-binding.ts), so a request is only ever forwarded to a
 * session its caller owns.
 */
import { jsonResponse } from "./http.ts";
import { McpSession } from "./session-agent.ts";
import { bindSessionId, unbindSessionId } from "./session-binding.ts";

const streamable = McpSession.serve("/mcp", { binding: "MCP_OBJECT" });
const legacySse = McpSession.serveSSE("/sse", { binding: "MCP_OBJECT" });

/** An authenticated request, its already-read (size-checked) body, and its caller's token. */
export interface Forward {
  request: Request;
  url: URL;
  body: ArrayBuffer | null;
  env: Env;
  ctx: ExecutionContext;
  token: string;
}

function sessionNotFound(): Response {
  return jsonResponse(
    { jsonrpc: "2.0", id: null, error: { code: -32001, message: "Session not found" } },
    404,
  );
}

function rebuilt(f: Forward, headers: Headers, target: URL = f.url): Request {
  return new Request(target, { method: f.request.method, headers, body: f.body, signal: f.request.signal });
}

export function servePreflight(
  isMcp: boolean,
  request: Request,
  env: Env,
  ctx: ExecutionContext,
): Promise<Response> {
  return isMcp ? streamable.fetch(request, env, ctx) : legacySse.fetch(request, env, ctx);
}

/** Streamable HTTP: the session id travels in a header, issued by McpAgent on initialize. */
export async function serveStreamable(f: Forward): Promise<Response> {
  const headers = new Headers(f.request.headers);
  const bound = headers.get("mcp-session-id");
  if (bound !== null) {
    const sessionId = await unbindSessionId(f.token, bound);
    if (sessionId === undefined) return sessionNotFound();
    headers.set("mcp-session-id", sessionId);
  }
  const response = await streamable.fetch(rebuilt(f, headers), f.env, f.ctx);
  const issued = response.headers.get("mcp-session-id");
  if (issued === null) return response;
  const out = new Response(response.body, response);
  out.headers.set("mcp-session-id", await bindSessionId(f.token, issued));
  return out;
}

/**
 * Legacy HTTP+SSE: we choose the session id ourselves, bound to the token, so the message
 * endpoint can verify ownership from the query string alone.
 */
export async function serveLegacySse(f: Forward): Promise<Response> {
  const target = new URL(f.url);
  const given = f.url.searchParams.get("sessionId");
  if (given !== null) {
    if ((await unbindSessionId(f.token, given)) === undefined) return sessionNotFound();
  } else if (f.request.method === "GET" && f.url.pathname === "/sse") {
    target.searchParams.set(
      "sessionId",
      await bindSessionId(f.token, f.env.MCP_OBJECT.newUniqueId().toString()),
    );
  } else {
    return jsonResponse(
      { error: { code: "INVALID_ARGUMENT", message: "Missing sessionId query parameter." } },
      400,
    );
  }
  return legacySse.fetch(rebuilt(f, new Headers(f.request.headers), target), f.env, f.ctx);
}
