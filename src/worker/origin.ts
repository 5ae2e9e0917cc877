/**
 * DNS-rebinding protection, two checks. Origin: a browser page on a foreign origin must
 * not drive the server (requests without an Origin header — CLIs, scripts — are not
 * browsers). Host: a page whose own name was re-pointed at this machine sends its own
 * name as Host, sometimes without an Origin (simple GETs), so only names this server
 * answers to are served.
 */
import type { Config } from "../config/config.ts";

const LOCALHOST_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

const isLocalhostName = (hostname: string): boolean =>
  LOCALHOST_HOSTS.has(hostname) || hostname.endsWith(".localhost");

function isLocalhostClass(origin: string): boolean {
  try {
    return isLocalhostName(new URL(origin).hostname);
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

const hostnameOf = (origin: string): string | null => {
  try {
    return new URL(origin).hostname;
  } catch {
    return null;
  }
};

function listed(hostname: string, pattern: string): boolean {
  const p = pattern.toLowerCase();
  return p.startsWith("*.") ? hostname.endsWith(p.slice(1)) : hostname === p;
}

/**
 * Loopback names are always fine: a rebinding page cannot send them as its Host. Beyond
 * them: ALLOWED_HOSTS (exact names or `*.example.com`), the hosts of ALLOWED_ORIGINS, and
 * workers.dev names (only Cloudflare routes those, and only to the Worker they belong to).
 */
export function hostAllowed(request: Request, config: Config): boolean {
  const hostname = new URL(request.url).hostname.toLowerCase();
  if (isLocalhostName(hostname)) return true;
  if (hostname.endsWith(".workers.dev")) return true;
  if (config.ALLOWED_HOSTS.some((pattern) => listed(hostname, pattern))) return true;
  return config.ALLOWED_ORIGINS.some((origin) => hostnameOf(origin) === hostname);
}
