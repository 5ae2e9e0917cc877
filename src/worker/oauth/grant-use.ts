/**
 * When each OAuth grant was last used, for `grants list`. The library keeps no such
 * record, so it lives beside the grants in OAUTH_KV under `grant-use:<principal>:<grant>`.
 * Written at most once a minute per grant and isolate (KV allows one write per key and
 * second, and a minute is all the listing shows); it expires with the longest a grant can live.
 */
const PREFIX = "grant-use:";
const WRITE_EVERY_MS = 60_000;
const KEEP_SECONDS = 31 * 86_400;
const lastWrite = new Map<string, number>();

function key(principal: string, grantId: string): string {
  return `${PREFIX}${principal}:${grantId}`;
}

export async function recordGrantUse(env: Env, principal: string, grantId: string): Promise<void> {
  const k = key(principal, grantId);
  const now = Date.now();
  if (now - (lastWrite.get(k) ?? 0) < WRITE_EVERY_MS) return;
  lastWrite.set(k, now);
  if (lastWrite.size > 10_000) lastWrite.clear();
  await env.OAUTH_KV.put(k, String(Math.floor(now / 1000)), { expirationTtl: KEEP_SECONDS });
}

/** Unix seconds of the grant's last recorded use, or undefined when never used. */
export async function grantLastUsed(
  env: Env,
  principal: string,
  grantId: string,
): Promise<number | undefined> {
  const value = await env.OAUTH_KV.get(key(principal, grantId));
  return value === null ? undefined : Number(value);
}

export async function forgetGrantUse(env: Env, principal: string, grantId: string): Promise<void> {
  lastWrite.delete(key(principal, grantId));
  await env.OAUTH_KV.delete(key(principal, grantId));
}
