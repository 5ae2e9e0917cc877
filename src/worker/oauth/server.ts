/**
 * The OAuth authorization server for one public origin (`@cloudflare/workers-oauth-provider`).
 *
 * The issuer and the one protected resource are both the origin the request arrived on
 * (`https://host`), so a token covers every protected route of this server (/mcp, /sse,
 * task events) and nothing on any other origin: a token issued on one hostname of the
 * deployment is refused on another. The library fixes issuer and resource at
 * construction, so there is one instance per origin, kept in a small cache.
 *
 * OAuth is on when the `OAUTH_KV` binding exists and the origin is `https` (or `http` on
 * a loopback host, for `wrangler dev`); otherwise `oauthFor` answers undefined and only
 * API tokens work.
 */
import { OAuthAuthorizationServer } from "@cloudflare/workers-oauth-provider";
import type { Config } from "../../config/config.ts";

export const AUTHORIZE_PATH = "/authorize";
export const TOKEN_PATH = "/oauth/token";
export const REGISTER_PATH = "/oauth/register";
export const PROTECTED_RESOURCE_PATH = "/.well-known/oauth-protected-resource";

/** What every grant carries, encrypted by the library: the API_TOKENS principal it acts for. */
export interface GrantProps {
  principal: string;
}

/** Stored in clear beside the grant (the library lists it); nothing secret. */
export interface GrantMetadata {
  clientName: string;
}

export interface OAuthServer {
  origin: string;
  /** The resource (token audience) of this origin. */
  resource: string;
  server: OAuthAuthorizationServer<Env>;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);
const MAX_ORIGINS = 8;
const cache = new Map<string, OAuthServer>();

/** Whether `origin` may be an issuer: https, or http on a loopback host. */
export function acceptableOrigin(origin: URL): boolean {
  return origin.protocol === "https:" || (origin.protocol === "http:" && LOOPBACK.has(origin.hostname));
}

/** The authorization server for the request's origin, or undefined when OAuth is off there. */
export function oauthFor(url: URL, env: Env, config: Config): OAuthServer | undefined {
  if (!env.OAUTH_KV || !acceptableOrigin(url)) return undefined;
  const key = `${url.origin} ${config.OAUTH_ACCESS_TOKEN_TTL_SECONDS}`;
  let entry = cache.get(key);
  if (!entry) {
    entry = {
      origin: url.origin,
      resource: url.origin,
      server: new OAuthAuthorizationServer<Env>({
        issuer: url.origin,
        resources: [url.origin],
        authorizeEndpoint: AUTHORIZE_PATH,
        tokenEndpoint: TOKEN_PATH,
        clientRegistrationEndpoint: REGISTER_PATH,
        clientIdMetadataDocumentEnabled: true,
        // Native apps (Cursor: cursor://anysphere.cursor-mcp/oauth/callback) redirect to a
        // private-use scheme (RFC 8252); PKCE protects their codes.
        allowPrivateUseRedirectUris: true,
        accessTokenTTL: config.OAUTH_ACCESS_TOKEN_TTL_SECONDS,
        // The library's default onError logs each refused request; the interesting ones
        // (CIMD failures) are logged by it anyway, and none of them carry secrets.
        onError: () => undefined,
      }),
    };
    if (cache.size >= MAX_ORIGINS) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    cache.set(key, entry);
  }
  return entry;
}
