/**
 * One notion of principal for both kinds of bearer token.
 *
 * An API token (API_TOKENS) names its principal directly. An OAuth access token names
 * the grant it belongs to, and the grant names the principal whose API token approved
 * it on the consent page; that principal must still exist in API_TOKENS, so removing a
 * principal ends its OAuth access too. Either way the caller gets the principal's API
 * token as `bindingKey`: MCP session ids are bound to it (session-binding.ts), so a
 * session keeps working across access-token refreshes and is reachable by the same
 * principal over either kind of token, never by another.
 */
import type { ApiToken, Config } from "../../config/config.ts";
import { authenticate } from "../auth.ts";
import { recordGrantUse } from "./grant-use.ts";
import { type GrantProps, oauthFor, PROTECTED_RESOURCE_PATH } from "./server.ts";

export interface Caller {
  principal: string;
  /** The principal's API token: the key session ids are bound with. Never sent anywhere. */
  bindingKey: string;
  via: "api-token" | "oauth";
}

/** The caller a bearer token stands for, or undefined when it is neither kind of valid token. */
export async function authenticateBearer(
  token: string | undefined,
  url: URL,
  env: Env,
  ctx: ExecutionContext,
  config: Config,
): Promise<Caller | undefined> {
  const entry = await authenticate(token, config.API_TOKENS);
  if (entry) return { principal: entry.principal, bindingKey: entry.token, via: "api-token" };
  if (token === undefined) return undefined;
  const oauth = oauthFor(url, env, config);
  if (!oauth) return undefined;
  const validated = await oauth.server.validateToken<GrantProps>(oauth.resource, token, env);
  if (!validated) return undefined;
  const principal = principalEntry(validated.props?.principal, config.API_TOKENS);
  if (!principal) return undefined;
  const grantId = token.split(":")[1];
  if (grantId) ctx.waitUntil(recordGrantUse(env, principal.principal, grantId));
  return { principal: principal.principal, bindingKey: principal.token, via: "oauth" };
}

function principalEntry(name: unknown, tokens: ApiToken[]): ApiToken | undefined {
  return typeof name === "string" ? tokens.find((t) => t.principal === name) : undefined;
}

/**
 * The `WWW-Authenticate` value for a 401: where OAuth clients find the protected-resource
 * metadata (RFC 9728) when OAuth is on for this origin.
 */
export function bearerChallenge(url: URL, env: Env, config: Config, tokenGiven: boolean): string {
  const parts = ['Bearer realm="codemode-mcp"'];
  if (oauthFor(url, env, config)) {
    parts.push(`resource_metadata="${url.origin}${PROTECTED_RESOURCE_PATH}"`);
  }
  if (tokenGiven) parts.push('error="invalid_token"');
  return parts.join(", ");
}
