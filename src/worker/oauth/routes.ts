/**
 * Every OAuth route: protected-resource metadata (RFC 9728), the library's
 * authorization-server metadata, registration and token endpoints, the consent page
 * (/authorize) and grant management (/oauth/grants). Answers undefined for any other path.
 */
import type { Config } from "../../config/config.ts";
import { GRANTS_PATH } from "../../shared/oauth-grants.ts";
import { SERVER_NAME } from "../../shared/version.ts";
import { errorResponse, jsonResponse } from "../http.ts";
import { hostAllowed } from "../origin.ts";
import { serveAuthorize } from "./consent.ts";
import { serveGrants } from "./grants.ts";
import { AUTHORIZE_PATH, type OAuthServer, oauthFor, PROTECTED_RESOURCE_PATH, TOKEN_PATH } from "./server.ts";
import { guardTokenRequest } from "./token-guard.ts";

function isOAuthPath(path: string): boolean {
  return path === AUTHORIZE_PATH || path.startsWith("/oauth/") || path.startsWith("/.well-known/oauth-");
}

/** RFC 9728 metadata: the whole origin is one resource, its own authorization server. */
function protectedResourceMetadata(request: Request, oauth: OAuthServer): Response {
  const cors = { "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, OPTIONS" };
  if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: cors });
  return jsonResponse(
    {
      resource: oauth.resource,
      authorization_servers: [oauth.origin],
      bearer_methods_supported: ["header"],
      resource_name: SERVER_NAME,
    },
    200,
    { ...cors, "Cache-Control": "no-store" },
  );
}

export async function serveOAuth(
  request: Request,
  url: URL,
  env: Env,
  ctx: ExecutionContext,
  config: Config,
): Promise<Response | undefined> {
  const path = url.pathname;
  if (!isOAuthPath(path)) return undefined;
  // The issuer and resource are the request's origin: only a name this server answers to
  // may become one.
  if (!hostAllowed(request, config)) {
    return errorResponse(
      403,
      "FORBIDDEN_HOST",
      `This server does not answer to the name "${url.hostname}". Add it to ALLOWED_HOSTS.`,
    );
  }
  const oauth = oauthFor(url, env, config);
  if (!oauth) {
    return errorResponse(
      404,
      "NOT_FOUND",
      "OAuth is not available here: it needs an https origin (or http on localhost) and the OAUTH_KV binding. API tokens still work.",
    );
  }
  if (path === PROTECTED_RESOURCE_PATH) return protectedResourceMetadata(request, oauth);
  if (path === AUTHORIZE_PATH) return serveAuthorize(request, url, env, config, oauth);
  if (path === GRANTS_PATH || path.startsWith(`${GRANTS_PATH}/`)) {
    return serveGrants(request, url, env, config, oauth);
  }
  if (path === TOKEN_PATH) {
    const guarded = await guardTokenRequest(request, env, config);
    if (guarded instanceof Response) return guarded;
    return oauth.server.fetch(guarded, env, ctx);
  }
  return oauth.server.fetch(request, env, ctx);
}
