/**
 * Client ID Metadata Documents are fetched by this server from the URL the client names,
 * so that URL must point at the public internet: never at this machine, a private
 * network or a name that only resolves inside one. (Deployed, the
 * `global_fetch_strictly_public` flag also keeps the fetch off Cloudflare's own routing;
 * this check refuses such client ids before any fetch, with a clear error, everywhere.)
 *
 * Development relaxation: with ENVIRONMENT=development a document on a loopback host
 * (`https://localhost:…`, `https://127.0.0.1:…`) is allowed, so the end-to-end tests and
 * local experiments can serve one. It must still be https; production refuses it.
 * The library itself bounds the fetch (5 KB, 10 s) and validates the document.
 */
import type { Config } from "../../config/config.ts";

const LOCAL_SUFFIXES = [".localhost", ".local", ".internal", ".home.arpa", ".lan", ".intranet"];

function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function isPrivateIpv4(host: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  );
}

function isNonPublicIpv6(host: string): boolean {
  if (!host.startsWith("[")) return false;
  const h = host.slice(1, -1).toLowerCase();
  // Loopback, unspecified, unique-local (fc00::/7), link-local (fe80::/10), IPv4-mapped.
  return h === "::1" || h === "::" || /^f[cd]/.test(h) || /^fe[89ab]/.test(h) || h.startsWith("::ffff:");
}

/**
 * Why this client id may not be used as a metadata-document URL here, or undefined when
 * it may (or is not a URL at all, i.e. an ordinary registered client id).
 */
export function cimdRefusal(clientId: string | null, config: Config): string | undefined {
  if (clientId === null || !/^https?:\/\//i.test(clientId)) return undefined;
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return "The client_id is not a valid URL.";
  }
  if (url.protocol !== "https:") return "A client metadata document must be served over https.";
  const host = url.hostname.toLowerCase();
  if (config.ENVIRONMENT === "development" && isLoopbackHost(host)) return undefined;
  const local =
    isLoopbackHost(host) ||
    isPrivateIpv4(host) ||
    isNonPublicIpv6(host) ||
    !host.includes(".") ||
    LOCAL_SUFFIXES.some((suffix) => host.endsWith(suffix));
  return local
    ? `The client's metadata document URL (${url.origin}) is not on the public internet; this server fetches client metadata only from public https URLs.`
    : undefined;
}
