/**
 * OAuth end to end against `wrangler dev`: the official MCP SDK client's OAuth support
 * (discovery from the 401, dynamic registration or a Client ID Metadata Document, PKCE
 * S256), the consent form driven over HTTP with an API token, refresh, revocation from
 * the CLI, and the refusals a client or attacker meets on bad input.
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  discoverAuthorizationServerMetadata,
  refreshAuthorization,
  UnauthorizedError,
} from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CimdServer,
  consent,
  MemoryOAuthProvider,
  openConsent,
  REDIRECT_URL,
  startCimdServer,
  submitConsent,
} from "../helpers/oauth.ts";
import { type Stack, startStack } from "../helpers/stack.ts";

const CODE_TTL_SECONDS = 6;

let stack: Stack;
let cimd: CimdServer;
beforeAll(async () => {
  cimd = await startCimdServer((clientId) => ({
    client_id: clientId,
    client_name: "CIMD test app",
    redirect_uris: [REDIRECT_URL],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "none",
  }));
  // wrangler dev (workerd) trusts the CIMD server's self-signed certificate through this.
  process.env.NODE_EXTRA_CA_CERTS = cimd.caFile;
  stack = await startStack({ vars: { OAUTH_CODE_TTL_SECONDS: String(CODE_TTL_SECONDS) } });
});
afterAll(async () => {
  await stack?.stop();
  await cimd?.stop();
});

const mcpUrl = () => new URL(`${stack.url}/mcp`);

const initialize = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
});

/** A raw MCP initialize with a bearer token: the status says whether the token is accepted. */
const initializeWith = async (token: string, base = stack.url) => {
  const res = await fetch(`${base}/mcp`, {
    method: "POST",
    headers: {
      Accept: "application/json, text/event-stream",
      "Content-Type": "application/json",
      Authorization: `Bearer ${token}`,
    },
    body: initialize,
  });
  await res.body?.cancel();
  return res;
};

/** Connects the SDK client with OAuth: the first connect stops at the consent step. */
async function signIn(provider: MemoryOAuthProvider, apiToken: string) {
  const first = new Client({ name: "oauth-e2e", version: "1.0.0" });
  await expect(
    first.connect(new StreamableHTTPClientTransport(mcpUrl(), { authProvider: provider })),
  ).rejects.toBeInstanceOf(UnauthorizedError);
  const authorizationUrl = provider.authorizationUrl;
  if (!authorizationUrl) throw new Error("the SDK did not start an authorization");
  const result = await consent(authorizationUrl, apiToken);
  expect(result.status).toBe(302);
  const code = result.location?.searchParams.get("code");
  if (!code) throw new Error(`no code in ${result.location}`);
  expect(result.location?.searchParams.get("state")).toBe(authorizationUrl.searchParams.get("state"));
  const transport = new StreamableHTTPClientTransport(mcpUrl(), { authProvider: provider });
  await transport.finishAuth(code);
  const client = new Client({ name: "oauth-e2e", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(mcpUrl(), { authProvider: provider }));
  return { client, authorizationUrl };
}

const principalOf = async (client: Client) => {
  const result = await client.callTool({ name: "workspace_info", arguments: {} });
  expect(result.isError).toBeFalsy();
  return (result.structuredContent as { principal: string }).principal;
};

/** Runs the real CLI (a child process) with an API token. */
function cli(args: string[], token: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("node_modules/.bin/node", ["cli/src/main.ts", ...args], {
      env: { PATH: process.env.PATH, CODEMODE_URL: `${stack.url}/mcp`, CODEMODE_TOKEN: token },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

async function grantsOf(token: string) {
  const run = await cli(["grants", "list", "--json"], token);
  expect(run.code, run.err).toBe(0);
  return JSON.parse(run.out) as {
    principal: string;
    grants: Array<{ id: string; clientName: string; lastUsedAt: string | null }>;
  };
}

describe("discovery", () => {
  it("answers a request without a token with 401 and resource_metadata, and serves both metadata documents", async () => {
    const res = await fetch(mcpUrl(), {
      method: "POST",
      body: initialize,
      headers: { "Content-Type": "application/json" },
    });
    expect(res.status).toBe(401);
    const challenge = res.headers.get("WWW-Authenticate") ?? "";
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    expect(metadataUrl).toBe(`${stack.url}/.well-known/oauth-protected-resource`);
    const prm = await (await fetch(metadataUrl as string)).json();
    expect(prm).toMatchObject({ resource: stack.url, authorization_servers: [stack.url] });
    const as = await (await fetch(`${stack.url}/.well-known/oauth-authorization-server`)).json();
    expect(as).toMatchObject({
      issuer: stack.url,
      authorization_endpoint: `${stack.url}/authorize`,
      token_endpoint: `${stack.url}/oauth/token`,
      registration_endpoint: `${stack.url}/oauth/register`,
      code_challenge_methods_supported: ["S256"],
      client_id_metadata_document_supported: true,
    });
  });
});

describe("dynamic client registration with the official SDK client", () => {
  let provider: MemoryOAuthProvider;

  it("registers, authorizes with alice's API token and acts as alice", async () => {
    provider = new MemoryOAuthProvider({ clientName: "DCR test app" });
    const { client, authorizationUrl } = await signIn(provider, stack.tokens.alice);
    expect(provider.client?.client_id).toBeTruthy();
    expect(authorizationUrl.searchParams.get("code_challenge_method")).toBe("S256");
    expect(await principalOf(client)).toBe("alice");
    await client.close();
    // The API token never appears in what the client holds.
    expect(JSON.stringify(provider.saved)).not.toContain(stack.tokens.alice);
  });

  it("refreshes: the new access token works, on the same session and over SSE too", async () => {
    const tokens = provider.saved;
    if (!tokens?.refresh_token || !provider.client) throw new Error("no refresh token was issued");
    const refreshed = await refreshAuthorization(stack.url, {
      metadata: await discoverAuthorizationServerMetadata(stack.url),
      clientInformation: provider.client,
      refreshToken: tokens.refresh_token,
      resource: new URL(stack.url),
    });
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    // A session opened with the old access token goes on with the new one (sessions are
    // bound to the principal, not to one access token), over both transports' auth path.
    const opened = await initializeWith(tokens.access_token);
    expect(opened.status).toBe(200);
    const sessionId = opened.headers.get("mcp-session-id") as string;
    const next = await fetch(mcpUrl(), {
      method: "POST",
      headers: {
        Accept: "application/json, text/event-stream",
        "Content-Type": "application/json",
        Authorization: `Bearer ${refreshed.access_token}`,
        "mcp-session-id": sessionId,
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }),
    });
    expect(next.status).toBe(200);
    await next.body?.cancel();
    // Bob's API token with that session id finds nothing.
    const bob = await fetch(mcpUrl(), {
      method: "POST",
      headers: {
        Accept: "application/json, text/event-stream",
        "Content-Type": "application/json",
        Authorization: `Bearer ${stack.tokens.bob}`,
        "mcp-session-id": sessionId,
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 3, method: "ping" }),
    });
    expect(bob.status).toBe(404);
    await bob.body?.cancel();
    const sse = await stack.connect(refreshed.access_token, { transport: "sse" });
    expect(await principalOf(sse)).toBe("alice");
    await sse.close();
    provider.saveTokens(refreshed);
  });

  it("lists the grant for alice only, with its client name and last use, and revoking it gets 401", async () => {
    const alice = await grantsOf(stack.tokens.alice);
    const grant = alice.grants.find((g) => g.clientName === "DCR test app");
    expect(grant).toBeDefined();
    expect(grant?.lastUsedAt).not.toBeNull();
    expect((await grantsOf(stack.tokens.bob)).grants.map((g) => g.id)).not.toContain(grant?.id);
    // Bob cannot revoke alice's grant.
    expect((await cli(["grants", "revoke", grant?.id as string], stack.tokens.bob)).code).toBe(1);

    const accessToken = provider.saved?.access_token as string;
    expect((await initializeWith(accessToken)).status).toBe(200);
    const revoked = await cli(["grants", "revoke", grant?.id as string], stack.tokens.alice);
    expect(revoked.code, revoked.err).toBe(0);
    const after = await initializeWith(accessToken);
    expect(after.status).toBe(401);
    expect(after.headers.get("WWW-Authenticate")).toContain('error="invalid_token"');
    await expect(
      refreshAuthorization(stack.url, {
        metadata: await discoverAuthorizationServerMetadata(stack.url),
        clientInformation: provider.client as NonNullable<typeof provider.client>,
        refreshToken: provider.saved?.refresh_token as string,
        resource: new URL(stack.url),
      }),
    ).rejects.toThrow(/invalid_grant|Invalid refresh token|not found/i);
    expect((await grantsOf(stack.tokens.alice)).grants.map((g) => g.id)).not.toContain(grant?.id);
  });

  it("API tokens keep working beside OAuth", async () => {
    const client = await stack.connect(stack.tokens.bob);
    expect(await principalOf(client)).toBe("bob");
    await client.close();
  });
});

describe("a Client ID Metadata Document client with the official SDK client", () => {
  it("uses its https metadata URL as client_id (no registration), acts as alice, refreshes, is revoked", async () => {
    const provider = new MemoryOAuthProvider({ clientMetadataUrl: cimd.clientId });
    const { client, authorizationUrl } = await signIn(provider, stack.tokens.alice);
    expect(authorizationUrl.searchParams.get("client_id")).toBe(cimd.clientId);
    expect(provider.client?.client_id).toBe(cimd.clientId);
    expect(await principalOf(client)).toBe("alice");
    await client.close();
    const grant = (await grantsOf(stack.tokens.alice)).grants.find((g) => g.clientName === "CIMD test app");
    expect(grant).toBeDefined();

    // Refresh works for it too (the client authenticates as `none`, by its URL alone)…
    const refreshed = await refreshAuthorization(stack.url, {
      metadata: await discoverAuthorizationServerMetadata(stack.url),
      clientInformation: provider.client as NonNullable<typeof provider.client>,
      refreshToken: provider.saved?.refresh_token as string,
      resource: new URL(stack.url),
    });
    expect((await initializeWith(refreshed.access_token)).status).toBe(200);
    // …and revoking its grant ends it on the next request.
    const revoked = await cli(["grants", "revoke", grant?.id as string], stack.tokens.alice);
    expect(revoked.code, revoked.err).toBe(0);
    expect((await initializeWith(refreshed.access_token)).status).toBe(401);
  });

  it("shows the document's name and domain on the consent page", async () => {
    const provider = new MemoryOAuthProvider({ clientMetadataUrl: cimd.clientId });
    const client = new Client({ name: "oauth-e2e", version: "1.0.0" });
    await expect(
      client.connect(new StreamableHTTPClientTransport(mcpUrl(), { authProvider: provider })),
    ).rejects.toBeInstanceOf(UnauthorizedError);
    const opened = await openConsent(provider.authorizationUrl as URL);
    expect(opened.html).toContain("CIMD test app");
    expect(opened.html).toContain("Published by <strong>localhost</strong>");
  });
});

// ---- Bad input, driven over raw HTTP -------------------------------------------------

interface Registered {
  clientId: string;
}

async function register(name = "raw test app"): Promise<Registered> {
  const res = await fetch(`${stack.url}/oauth/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      client_name: name,
      redirect_uris: [REDIRECT_URL],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
    }),
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { client_id: string };
  return { clientId: body.client_id };
}

function pkce() {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  return { verifier, challenge };
}

function authorizeUrl(params: Record<string, string | undefined>): URL {
  const url = new URL(`${stack.url}/authorize`);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url;
}

function goodParams(clientId: string, challenge: string): Record<string, string> {
  return {
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT_URL,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "st-123",
    resource: stack.url,
  };
}

async function exchange(clientId: string, code: string, verifier: string, resource?: string) {
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    client_id: clientId,
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT_URL,
  });
  if (resource) body.set("resource", resource);
  const res = await fetch(`${stack.url}/oauth/token`, { method: "POST", body });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

/** Registers, consents with `token`, and returns a fresh code with its verifier. */
async function codeFor(token: string, ip?: string) {
  const { clientId } = await register();
  const { verifier, challenge } = pkce();
  const result = await consent(authorizeUrl(goodParams(clientId, challenge)), token, "approve", ip);
  const code = result.location?.searchParams.get("code");
  if (!code) throw new Error(`no code (HTTP ${result.status})`);
  return { clientId, verifier, code };
}

describe("bad input is refused with the standard error and nothing is issued", () => {
  it("an unknown client_id is shown on the page, never redirected", async () => {
    const { challenge } = pkce();
    const res = await fetch(authorizeUrl(goodParams("no-such-client", challenge)), { redirect: "manual" });
    expect(res.status).toBe(400);
    expect(res.headers.get("Location")).toBeNull();
    expect(await res.text()).toContain("Invalid client_id");
  });

  it("a redirect_uri that does not match exactly is shown on the page, never redirected", async () => {
    const { clientId } = await register();
    const { challenge } = pkce();
    for (const redirect of [
      `${REDIRECT_URL}/x`,
      "http://127.0.0.1:53682/callback?x=1",
      "https://evil.example/cb",
    ]) {
      const res = await fetch(authorizeUrl({ ...goodParams(clientId, challenge), redirect_uri: redirect }), {
        redirect: "manual",
      });
      expect(res.status).toBe(400);
      expect(res.headers.get("Location")).toBeNull();
      expect(await res.text()).toContain("Invalid redirect URI");
    }
  });

  it.each([
    ["missing", { code_challenge: undefined, code_challenge_method: undefined }],
    ["plain", { code_challenge_method: "plain" }],
  ])("%s PKCE redirects back with invalid_request and no code", async (_label, override) => {
    const { clientId } = await register();
    const { challenge } = pkce();
    const res = await fetch(authorizeUrl({ ...goodParams(clientId, challenge), ...override }), {
      redirect: "manual",
    });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("Location") as string);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URL);
    expect(location.searchParams.get("error")).toBe("invalid_request");
    expect(location.searchParams.get("state")).toBe("st-123");
    expect(location.searchParams.get("code")).toBeNull();
  });

  it("a wrong API token shows an error and issues no code", async () => {
    const { clientId } = await register();
    const { challenge } = pkce();
    const result = await consent(authorizeUrl(goodParams(clientId, challenge)), "not-a-valid-token-0000000");
    expect(result.status).toBe(400);
    expect(result.location).toBeUndefined();
    expect(result.html).toContain("That API token is not valid");
    expect(result.html).not.toContain("not-a-valid-token-0000000");
  });

  it("Deny redirects with access_denied and no code", async () => {
    const { clientId } = await register();
    const { challenge } = pkce();
    const result = await consent(authorizeUrl(goodParams(clientId, challenge)), "", "deny");
    expect(result.status).toBe(302);
    expect(result.location?.searchParams.get("error")).toBe("access_denied");
    expect(result.location?.searchParams.get("code")).toBeNull();
  });

  it("a form posted from another site, or without this browser's cookie, issues nothing", async () => {
    const { clientId } = await register();
    const { challenge } = pkce();
    const url = authorizeUrl(goodParams(clientId, challenge));
    const opened = await openConsent(url);
    const noCookie = await submitConsent(
      url,
      { handle: opened.handle as string, token: stack.tokens.alice, decision: "approve" },
      "",
    );
    expect(noCookie.status).toBe(400);
    expect(noCookie.location).toBeUndefined();
    const foreign = await fetch(url, {
      method: "POST",
      redirect: "manual",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Origin: "https://evil.example",
        Cookie: opened.cookies,
      },
      body: new URLSearchParams({
        handle: opened.handle as string,
        token: stack.tokens.alice,
        decision: "approve",
      }),
    });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get("Location")).toBeNull();
  });

  it("a code works once; reusing it is refused and revokes what it issued", async () => {
    const { clientId, verifier, code } = await codeFor(stack.tokens.alice);
    const first = await exchange(clientId, code, verifier);
    expect(first.status).toBe(200);
    expect((await initializeWith(first.body.access_token as string)).status).toBe(200);
    const second = await exchange(clientId, code, verifier);
    expect(second.status).toBe(400);
    expect(second.body.error).toBe("invalid_grant");
    expect(second.body.access_token).toBeUndefined();
    expect((await initializeWith(first.body.access_token as string)).status).toBe(401);
  });

  it("a wrong code_verifier is refused", async () => {
    const { clientId, code } = await codeFor(stack.tokens.alice);
    const res = await exchange(clientId, code, pkce().verifier);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("invalid_grant");
  });

  it("an expired code is refused", async () => {
    const { clientId, verifier, code } = await codeFor(stack.tokens.alice);
    await new Promise((r) => setTimeout(r, (CODE_TTL_SECONDS + 1.5) * 1000));
    const res = await exchange(clientId, code, verifier);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("invalid_grant");
    expect(res.body.access_token).toBeUndefined();
  });

  it("a token for another resource is refused: at the token endpoint and at another origin", async () => {
    const { clientId, verifier, code } = await codeFor(stack.tokens.alice);
    const other = await exchange(clientId, code, verifier, `${stack.url}/other`);
    expect(other.status).toBe(400);
    expect(other.body.error).toBe("invalid_target");

    const again = await codeFor(stack.tokens.alice);
    const issued = await exchange(again.clientId, again.code, again.verifier);
    expect(issued.status).toBe(200);
    expect(issued.body.resource ?? stack.url).toBe(stack.url);
    // Same server, other origin (127.0.0.1 instead of localhost): another resource.
    const otherOrigin = stack.url.replace("localhost", "127.0.0.1");
    expect((await initializeWith(issued.body.access_token as string, otherOrigin)).status).toBe(401);
    expect((await initializeWith(issued.body.access_token as string)).status).toBe(200);
  });

  it("bob's API token on the consent page yields a grant for bob, never for alice", async () => {
    const provider = new MemoryOAuthProvider({ clientName: "Bob's consent" });
    const { client } = await signIn(provider, stack.tokens.bob);
    expect(await principalOf(client)).toBe("bob");
    await client.close();
    expect((await grantsOf(stack.tokens.alice)).grants.map((g) => g.clientName)).not.toContain(
      "Bob's consent",
    );
    expect((await grantsOf(stack.tokens.bob)).grants.map((g) => g.clientName)).toContain("Bob's consent");
  });

  it("rate-limits the token form per address", async () => {
    const { clientId } = await register();
    const { challenge } = pkce();
    const url = authorizeUrl(goodParams(clientId, challenge));
    const opened = await openConsent(url, "198.51.100.7");
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const r = await submitConsent(
        url,
        { handle: opened.handle as string, token: `wrong-token-guess-${i}`, decision: "approve" },
        opened.cookies,
        "198.51.100.7",
      );
      statuses.push(r.status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 400)).toBe(true);
    expect(statuses[10]).toBe(429);
    // Even the right token is refused while limited, and another address is not affected.
    const limited = await submitConsent(
      url,
      { handle: opened.handle as string, token: stack.tokens.alice, decision: "approve" },
      opened.cookies,
      "198.51.100.7",
    );
    expect(limited.status).toBe(429);
    expect(limited.location).toBeUndefined();
  });
});
