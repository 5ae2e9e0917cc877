/**
 * Development entry only (src/worker/dev.ts): `GET /dev/workspace-backups` lists the objects
 * in the WORKSPACE_BACKUPS bucket, each with the name its save's meta.json gives (the
 * Sandbox Durable Object's id), so tests can see that a reset or an expiry deleted a
 * workspace's saves. Answers only with ENVIRONMENT=development and the sandbox host's
 * secret (the one the test harness and container runner share) as the bearer token.
 */
import { bearerToken, safeEqual } from "./auth.ts";
import { errorResponse, jsonResponse } from "./http.ts";

export const DEV_BACKUPS_PATH = "/dev/workspace-backups";

export async function serveDevBackups(request: Request, env: Env): Promise<Response> {
  const secret = env.SANDBOX_HOST_SECRET ?? "";
  if (env.ENVIRONMENT !== "development" || secret.length < 16) {
    return errorResponse(404, "NOT_FOUND", `No route for ${request.method} ${DEV_BACKUPS_PATH}`);
  }
  const token = bearerToken(request);
  if (token === undefined || !(await safeEqual(token, secret))) {
    return errorResponse(401, "UNAUTHORIZED", "Send the sandbox host's secret as the bearer token.");
  }
  const bucket = env.WORKSPACE_BACKUPS;
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list(cursor ? { cursor } : {});
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  const names = new Map<string, string | null>();
  for (const key of keys.filter((k) => k.endsWith("/meta.json"))) {
    const meta = (await (await bucket.get(key))?.json().catch(() => null)) as { name?: unknown } | null;
    names.set(key.slice(0, -"meta.json".length), typeof meta?.name === "string" ? meta.name : null);
  }
  const objects = keys.map((key) => ({
    key,
    name: names.get(key.slice(0, key.lastIndexOf("/") + 1)) ?? null,
  }));
  return jsonResponse({ objects });
}
