/**
 * Checks this server adds in front of the library's token endpoint:
 * - a client id that is a metadata-document URL must be public (cimd-guard.ts), checked
 *   before the library would fetch it;
 * - an authorization code is exchangeable for OAUTH_CODE_TTL_SECONDS (default 60) after
 *   consent, not the library's fixed ten minutes. A code past that age is refused with
 *   `invalid_grant` and nothing is issued. (Reuse is the library's: a second exchange is
 *   refused and revokes the grant.)
 */
import type { Config } from "../../config/config.ts";
import { readBodyWithin } from "../../shared/read-body.ts";
import { cimdRefusal } from "./cimd-guard.ts";

const MAX_TOKEN_REQUEST_BYTES = 65_536;

function oauthError(status: number, error: string, description: string): Response {
  return new Response(JSON.stringify({ error, error_description: description }), {
    status,
    // Browser-based clients (the MCP Inspector) call the token endpoint cross-origin.
    headers: {
      "Content-Type": "application/json",
      "Cache-Control": "no-store",
      "Access-Control-Allow-Origin": "*",
    },
  });
}

interface StoredGrant {
  createdAt?: number;
  authCodeWrappedKey?: string;
}

async function codeExpired(code: string, env: Env, config: Config): Promise<boolean> {
  const [userId, grantId] = code.split(":");
  if (!userId || !grantId) return false;
  const grant = await env.OAUTH_KV.get<StoredGrant>(`grant:${userId}:${grantId}`, { type: "json" });
  // Only a code not yet exchanged has its wrapped key; other cases are the library's to answer.
  if (!grant?.authCodeWrappedKey || grant.createdAt === undefined) return false;
  return Date.now() / 1000 - grant.createdAt > config.OAUTH_CODE_TTL_SECONDS;
}

/**
 * A refusal for this token request, or the request rebuilt (its body was read) to pass on
 * to the library.
 */
export async function guardTokenRequest(
  request: Request,
  env: Env,
  config: Config,
): Promise<Response | Request> {
  if (request.method !== "POST") return request;
  const body = await readBodyWithin(request, MAX_TOKEN_REQUEST_BYTES);
  if (body === "too-large") return oauthError(413, "invalid_request", "The token request is too large.");
  const text = new TextDecoder().decode(body ?? new ArrayBuffer(0));
  const form = new URLSearchParams(text);
  const refusal = cimdRefusal(form.get("client_id"), config);
  if (refusal) return oauthError(401, "invalid_client", refusal);
  const code = form.get("code");
  if (form.get("grant_type") === "authorization_code" && code && (await codeExpired(code, env, config))) {
    return oauthError(400, "invalid_grant", "The authorization code has expired.");
  }
  return new Request(request.url, { method: "POST", headers: request.headers, body: text });
}
