/**
 * Binds MCP session ids to the principal whose token created them.
 *
 * McpAgent routes any request carrying a session id to that session's Durable Object
 * and would re-apply the caller's props, so a valid token plus someone else's session id
 * would reach (and re-label) their session. To prevent that without a lookup per request,
 * the id handed to clients is `<sessionId>.<mac>` where mac = HMAC(token, sessionId);
 * a request whose mac does not verify under the presenting token is treated as an
 * unknown session (404), exactly like a guessed id.
 */
import { hmacHex, safeEqual } from "./auth.ts";

const MAC_HEX_CHARS = 32;
const SEPARATOR = ".";

async function macFor(token: string, sessionId: string): Promise<string> {
  return (await hmacHex(token, `mcp-session:${sessionId}`)).slice(0, MAC_HEX_CHARS);
}

/** The client-facing id for an internal session id. */
export async function bindSessionId(token: string, sessionId: string): Promise<string> {
  return `${sessionId}${SEPARATOR}${await macFor(token, sessionId)}`;
}

/** The internal session id if `bound` was issued to `token`, else undefined. */
export async function unbindSessionId(token: string, bound: string): Promise<string | undefined> {
  const at = bound.lastIndexOf(SEPARATOR);
  if (at <= 0) return undefined;
  const sessionId = bound.slice(0, at);
  const mac = bound.slice(at + 1);
  return (await safeEqual(mac, await macFor(token, sessionId))) ? sessionId : undefined;
}
