/**
 * Grant management for the CLI: `GET /oauth/grants` lists the caller's OAuth grants,
 * `DELETE /oauth/grants/<id>` revokes one (its tokens are deleted, so the next request
 * with them gets 401). Only an API token may do this: an app holding an OAuth token
 * cannot see or revoke grants, its own or others'.
 */
import type { GrantSummary } from "@cloudflare/workers-oauth-provider";
import type { Config } from "../../config/config.ts";
import { GRANTS_PATH, type OAuthGrant, type OAuthGrantList } from "../../shared/oauth-grants.ts";
import { authenticate, bearerToken } from "../auth.ts";
import { errorResponse, jsonResponse } from "../http.ts";
import { originAllowed } from "../origin.ts";
import { forgetGrantUse, grantLastUsed } from "./grant-use.ts";
import type { GrantMetadata, OAuthServer } from "./server.ts";

const iso = (seconds: number | undefined): string | null =>
  seconds === undefined ? null : new Date(seconds * 1000).toISOString();

async function allGrants(oauth: OAuthServer, env: Env, principal: string): Promise<GrantSummary[]> {
  const api = oauth.server.getOAuthApi(env);
  const out: GrantSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.listUserGrants(principal, cursor === undefined ? {} : { cursor });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return out;
}

async function describe(env: Env, principal: string, g: GrantSummary): Promise<OAuthGrant> {
  const metadata = g.metadata as Partial<GrantMetadata> | undefined;
  return {
    id: g.id,
    clientId: g.clientId,
    clientName: metadata?.clientName ?? g.clientId,
    redirectUri: g.redirectUri ?? null,
    createdAt: iso(g.createdAt) ?? "",
    lastUsedAt: iso(await grantLastUsed(env, principal, g.id)),
    expiresAt: iso(g.expiresAt),
  };
}

export async function serveGrants(
  request: Request,
  url: URL,
  env: Env,
  config: Config,
  oauth: OAuthServer,
): Promise<Response> {
  if (!originAllowed(request, config)) {
    return errorResponse(403, "FORBIDDEN_ORIGIN", "This Origin is not allowed. Add it to ALLOWED_ORIGINS.");
  }
  const token = bearerToken(request);
  const entry = await authenticate(token, config.API_TOKENS);
  if (!entry) {
    return errorResponse(
      401,
      "UNAUTHORIZED",
      "Grant management needs an API token (Authorization: Bearer).",
      {
        "WWW-Authenticate": 'Bearer realm="codemode-mcp"',
      },
    );
  }
  const principal = entry.principal;
  const grantId = url.pathname === GRANTS_PATH ? undefined : url.pathname.slice(GRANTS_PATH.length + 1);

  if (grantId === undefined && request.method === "GET") {
    const grants = await allGrants(oauth, env, principal);
    const described = await Promise.all(grants.map((g) => describe(env, principal, g)));
    described.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const body: OAuthGrantList = { principal, grants: described };
    return jsonResponse(body);
  }
  if (grantId !== undefined && request.method === "DELETE") {
    const owned = (await allGrants(oauth, env, principal)).some((g) => g.id === grantId);
    if (!owned) {
      return errorResponse(
        404,
        "NOT_FOUND",
        `No OAuth grant "${grantId}" for ${principal}; see \`grants list\`.`,
      );
    }
    await oauth.server.getOAuthApi(env).revokeGrant(grantId, principal);
    await forgetGrantUse(env, principal, grantId);
    return jsonResponse({ revoked: grantId });
  }
  return errorResponse(404, "NOT_FOUND", `No route for ${request.method} ${url.pathname}`);
}
