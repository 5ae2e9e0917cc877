/**
 * Bearer-token authentication. Tokens are compared in constant time (over SHA-256
 * digests, so lengths leak nothing either) and are never logged or echoed.
 */

import type { ApiToken } from "../config/config.ts";
import { toHex } from "../shared/encoding.ts";

const encoder = new TextEncoder();

async function digest(value: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", encoder.encode(value));
}

function timingSafeEqual(a: ArrayBuffer, b: ArrayBuffer): boolean {
  return crypto.subtle.timingSafeEqual(a, b);
}

/** The bearer token of a request, or undefined when the header is missing or malformed. */
export function bearerToken(request: Request): string | undefined {
  const header = request.headers.get("Authorization") ?? "";
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * The API token entry matching `presented`, or undefined. Every configured token is
 * compared, so timing does not reveal which principal (if any) matched.
 */
export async function authenticate(
  presented: string | undefined,
  tokens: ApiToken[],
): Promise<ApiToken | undefined> {
  const got = await digest(presented ?? "");
  let match: ApiToken | undefined;
  for (const [entry, want] of await tokenDigests(tokens)) {
    if (timingSafeEqual(got, want) && presented !== undefined) match = entry;
  }
  return match;
}

// The configured tokens' digests, computed once per parsed configuration rather than on
// every request.
const digestCache = new WeakMap<ApiToken[], Promise<Array<[ApiToken, ArrayBuffer]>>>();

function tokenDigests(tokens: ApiToken[]): Promise<Array<[ApiToken, ArrayBuffer]>> {
  let cached = digestCache.get(tokens);
  if (!cached) {
    cached = Promise.all(
      tokens.map(async (t): Promise<[ApiToken, ArrayBuffer]> => [t, await digest(t.token)]),
    );
    digestCache.set(tokens, cached);
  }
  return cached;
}

/** HMAC-SHA256 of `message` keyed by `key`, as lowercase hex. */
export async function hmacHex(key: string, message: string): Promise<string> {
  const k = await crypto.subtle.importKey(
    "raw",
    encoder.encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", k, encoder.encode(message));
  return toHex(mac);
}

/** Constant-time comparison of two strings of any length. */
export async function safeEqual(a: string, b: string): Promise<boolean> {
  return timingSafeEqual(await digest(a), await digest(b));
}
