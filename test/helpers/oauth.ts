/**
 * OAuth pieces for end-to-end tests: an in-memory client provider for the official MCP
 * SDK's OAuth support, a driver for the consent form over plain HTTP (what a browser
 * would send, cookies included), and a local HTTPS server for Client ID Metadata
 * Documents with a throwaway self-signed certificate.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";

export const REDIRECT_URL = "http://127.0.0.1:53682/callback";

/** Keeps everything in memory; records where the SDK sent the user to sign in. */
export class MemoryOAuthProvider implements OAuthClientProvider {
  client: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = "";
  authorizationUrl: URL | undefined;
  readonly clientMetadataUrl?: string;

  constructor(options: { clientMetadataUrl?: string; clientName?: string } = {}) {
    this.clientMetadataUrl = options.clientMetadataUrl;
    this.clientMetadata = {
      client_name: options.clientName ?? "E2E OAuth client",
      redirect_uris: [REDIRECT_URL],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }

  readonly clientMetadata: OAuthClientMetadata;
  get redirectUrl(): string {
    return REDIRECT_URL;
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

export interface ConsentResult {
  status: number;
  /** The redirect target, when the server redirected. */
  location: URL | undefined;
  html: string;
}

/** Cookies of Set-Cookie headers, as a Cookie header value. */
function cookieHeader(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}

// The consent form is rate-limited per address (CF-Connecting-IP, which wrangler dev takes
// from the request). Each flow gets its own documentation-range address, so the tests'
// many sign-ins never meet the limit; the rate-limit test uses one address on purpose.
let lastAddress = 0;
export function freshAddress(): string {
  lastAddress += 1;
  return `203.0.${113 + Math.floor(lastAddress / 250)}.${(lastAddress % 250) + 1}`;
}

/** Opens the consent page like a browser would. */
export async function openConsent(authorizationUrl: URL, ip = freshAddress()) {
  const page = await fetch(authorizationUrl, { redirect: "manual", headers: { "CF-Connecting-IP": ip } });
  const html = await page.text();
  const handle = /name="handle" value="([^"]*)"/.exec(html)?.[1];
  return { page, html, handle, cookies: cookieHeader(page) };
}

/** Submits the consent form (the way the page's form posts it). */
export async function submitConsent(
  authorizationUrl: URL,
  form: { handle: string; token?: string; decision: "approve" | "deny" },
  cookies: string,
  ip = freshAddress(),
): Promise<ConsentResult> {
  const body = new URLSearchParams({ handle: form.handle, decision: form.decision, token: form.token ?? "" });
  const res = await fetch(authorizationUrl, {
    method: "POST",
    redirect: "manual",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Origin: authorizationUrl.origin,
      Cookie: cookies,
      "CF-Connecting-IP": ip,
    },
    body,
  });
  const location = res.headers.get("Location");
  return { status: res.status, location: location ? new URL(location) : undefined, html: await res.text() };
}

/** Opens the page and submits it: the whole consent step with one API token. */
export async function consent(
  authorizationUrl: URL,
  token: string,
  decision: "approve" | "deny" = "approve",
  ip = freshAddress(),
): Promise<ConsentResult> {
  const opened = await openConsent(authorizationUrl, ip);
  if (!opened.handle)
    throw new Error(`no consent form (HTTP ${opened.page.status}): ${opened.html.slice(0, 300)}`);
  return submitConsent(authorizationUrl, { handle: opened.handle, token, decision }, opened.cookies, ip);
}

export interface CimdServer {
  /** The client id: the document's https URL. */
  clientId: string;
  /** PEM file of the certificate, for NODE_EXTRA_CA_CERTS. */
  caFile: string;
  stop(): Promise<void>;
}

/** Serves one Client ID Metadata Document over https on localhost (self-signed certificate). */
export async function startCimdServer(
  document: (clientId: string) => Record<string, unknown>,
): Promise<CimdServer> {
  const dir = mkdtempSync(join(tmpdir(), "codemode-cimd-"));
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"],
      ...["-keyout", key, "-out", cert, "-subj", "/CN=localhost"],
      ...[
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
      ],
    ],
    { stdio: "ignore" },
  );
  let clientId = "";
  const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    if (req.url !== "/oauth/client.json") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(document(clientId)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  clientId = `https://localhost:${(server.address() as AddressInfo).port}/oauth/client.json`;
  return {
    clientId,
    caFile: cert,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
