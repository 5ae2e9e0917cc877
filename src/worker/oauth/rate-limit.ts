/**
 * Rate limiting of the consent form, where a person types an API token: every POST
 * counts against the client's address (CF-Connecting-IP, set by Cloudflare's edge).
 * The limit itself (10 a minute) is the CONSENT_RATE_LIMITER binding in wrangler.toml.
 * A deployment without the binding falls back to a per-isolate counter with the same limit.
 */
const LIMIT = 10;
const PERIOD_MS = 60_000;
const fallback = new Map<string, { count: number; since: number }>();

export async function consentAttemptAllowed(request: Request, env: Env): Promise<boolean> {
  const key = `consent:${request.headers.get("CF-Connecting-IP") ?? "unknown"}`;
  if (env.CONSENT_RATE_LIMITER) return (await env.CONSENT_RATE_LIMITER.limit({ key })).success;
  const now = Date.now();
  const seen = fallback.get(key);
  if (!seen || now - seen.since >= PERIOD_MS) {
    if (fallback.size > 10_000) fallback.clear();
    fallback.set(key, { count: 1, since: now });
    return true;
  }
  seen.count += 1;
  return seen.count <= LIMIT;
}
