/**
 * DNS-rebinding protection: a browser page on a foreign origin must not drive the
 * server. Requests without an Origin header (CLI clients, scripts) are not browsers.
 */
import type { Config } from "../config/config.ts";

const LOCALHOST_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

function isLocalhostClass(origin: string): boolean {
  try {
    const { hostname } = new URL(origin);
    return LOCALHOST_HOSTS.has(hostname) || hostname.endsWith(".localhost");
  } catch {
    return false;
  }
}

export function originAllowed(request: Request, config: Config): boolean {
  const origin = request.headers.get("Origin");
  if (origin === null) return true;
  if (config.ALLOWED_ORIGINS.includes(origin)) return true;
  return config.ALLOW_LOCALHOST_ORIGINS && isLocalhostClass(origin);
}
