/**
 * OAuth at the Worker's edge, in workerd with the production configuration: where OAuth
 * is on, the CIMD public-URL rule (production refuses local and private hosts), the
 * consent page's headers and escaping, and that an OAuth grant only ever acts for a
 * principal that still exists in API_TOKENS.
 */
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { configFrom, parseConfig } from "../../src/config/config.ts";
import { cimdRefusal } from "../../src/worker/oauth/cimd-guard.ts";
import { oauthFor } from "../../src/worker/oauth/server.ts";
import { ALICE, BASE, initialize, rpc } from "./helpers.ts";

const HTTPS = "https://mcp.test";

// The Worker's first request loads its whole module graph, which on a busy machine takes
// longer than one test's budget.
beforeAll(async () => {
  await (await exports.default.fetch(new Request(`${HTTPS}/health`))).text();
}, 120_000);
const call = (req: Request) => exports.default.fetch(req);
const REDIRECT = "https://app.example/callback";

async function register(name: string): Promise<string> {
  const res = await call(
    new Request(`${HTTPS}/oauth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        client_name: name,
        redirect_uris: [REDIRECT],
        token_endpoint_auth_method: "none",
      }),
    }),
  );
  expect(res.status).toBe(201);
  return ((await res.json()) as { client_id: string }).client_id;
}

function authorizeUrl(clientId: string, challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"): URL {
  const url = new URL(`${HTTPS}/authorize`);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "s",
  }).toString();
  return url;
}

describe("where OAuth is on", () => {
  it("advertises resource_metadata on an https origin", async () => {
    const res = await call(new Request(`${HTTPS}/mcp`, { method: "POST", body: JSON.stringify(initialize) }));
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toContain(
      `resource_metadata="${HTTPS}/.well-known/oauth-protected-resource"`,
    );
  });

  it("is off on a plain-http public origin: API tokens only, and the OAuth routes say why", async () => {
    const res = await call(rpc(initialize));
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).not.toContain("resource_metadata");
    const metadata = await call(new Request(`${BASE}/.well-known/oauth-protected-resource`));
    expect(metadata.status).toBe(404);
    expect(((await metadata.json()) as { error: { message: string } }).error.message).toContain("https");
    const ok = await call(rpc(initialize, { Authorization: `Bearer ${ALICE}` }));
    expect(ok.status).toBe(200);
    await ok.body?.cancel();
  });
});

describe("client metadata documents only from public https URLs", () => {
  const production = configFrom(env);
  const development = parseConfig({ ...env, ENVIRONMENT: "development" });

  it.each([
    "https://localhost:8443/client.json",
    "https://127.0.0.1/client.json",
    "https://[::1]/client.json",
    "https://10.1.2.3/client.json",
    "https://192.168.1.10/client.json",
    "https://169.254.169.254/latest/meta-data",
    "https://intranet/client.json",
    "https://printer.local/client.json",
    "http://client.example.com/client.json",
  ])(
    "production refuses %s at the consent page and the token endpoint, before any fetch",
    async (clientId) => {
      expect(cimdRefusal(clientId, production)).toBeDefined();
      const page = await call(new Request(authorizeUrl(clientId)));
      expect(page.status).toBe(400);
      expect(page.headers.get("Location")).toBeNull();
      expect(await page.text()).toMatch(/not on the public internet|served over https/);
      const token = await call(
        new Request(`${HTTPS}/oauth/token`, {
          method: "POST",
          body: new URLSearchParams({ grant_type: "authorization_code", client_id: clientId, code: "a:b:c" }),
        }),
      );
      expect(token.status).toBe(401);
      expect(((await token.json()) as { error: string }).error).toBe("invalid_client");
    },
  );

  it("allows public https documents, and loopback https only in development", () => {
    expect(cimdRefusal("https://claude.ai/oauth/mcp-oauth-client-metadata", production)).toBeUndefined();
    expect(cimdRefusal("https://localhost:8443/client.json", development)).toBeUndefined();
    expect(cimdRefusal("http://localhost:8443/client.json", development)).toBeDefined();
    expect(cimdRefusal("https://10.1.2.3/client.json", development)).toBeDefined();
    expect(cimdRefusal("plain-client-id", production)).toBeUndefined();
  });
});

describe("the consent page", () => {
  it("escapes what the client chose, forbids framing and scripts, and binds the form to this browser", async () => {
    const clientId = await register(`<img src=x onerror="alert(1)">`);
    const res = await call(new Request(authorizeUrl(clientId)));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toContain("<img");
    expect(html).toContain("&#60;img src=x onerror=&#34;alert(1)&#34;&#62;");
    const csp = res.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self' https://app.example");
    expect(csp).not.toContain("script-src");
    expect(res.headers.get("X-Frame-Options")).toBe("DENY");
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(res.headers.get("Set-Cookie")).toMatch(
      /^__Host-oauth-consent-[^=]+=[^;]+; Path=\/; Secure; HttpOnly/,
    );
    expect(html).toMatch(/<label for="token">/);
  });
});

describe("native apps", () => {
  it("accept a private-use redirect URI (Cursor's) and let the form's redirect reach it", async () => {
    const cursor = "cursor://anysphere.cursor-mcp/oauth/callback";
    const res = await call(
      new Request(`${HTTPS}/oauth/register`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          client_name: "Cursor",
          redirect_uris: ["http://127.0.0.1:6274/oauth/callback", cursor],
          token_endpoint_auth_method: "none",
        }),
      }),
    );
    expect(res.status).toBe(201);
    const { client_id } = (await res.json()) as { client_id: string };
    const url = authorizeUrl(client_id);
    url.searchParams.set("redirect_uri", cursor);
    const page = await call(new Request(url));
    expect(page.status).toBe(200);
    expect(page.headers.get("Content-Security-Policy")).toContain("form-action 'self' cursor:");
    await page.body?.cancel();
  });
});

describe("one notion of principal", () => {
  let lastClientId = "";
  async function tokenFor(principal: string): Promise<string> {
    const clientId = await register(`app of ${principal}`);
    lastClientId = clientId;
    const verifier = "v".repeat(50);
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
    const challenge = btoa(String.fromCharCode(...new Uint8Array(digest)))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    const oauth = oauthFor(new URL(HTTPS), env, configFrom(env));
    if (!oauth) throw new Error("OAuth is off");
    const api = oauth.server.getOAuthApi(env);
    const request = await api.parseAuthRequest(new Request(authorizeUrl(clientId, challenge)));
    const { redirectTo } = await api.completeAuthorization({
      request,
      userId: principal,
      metadata: { clientName: "x" },
      scope: [],
      props: { principal },
    });
    const code = new URL(redirectTo).searchParams.get("code") as string;
    const res = await call(
      new Request(`${HTTPS}/oauth/token`, {
        method: "POST",
        body: new URLSearchParams({
          grant_type: "authorization_code",
          client_id: clientId,
          code,
          code_verifier: verifier,
          redirect_uri: REDIRECT,
        }),
      }),
    );
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  const mcp = (token: string) =>
    call(
      new Request(`${HTTPS}/mcp`, {
        method: "POST",
        headers: {
          Accept: "application/json, text/event-stream",
          "Content-Type": "application/json",
          Authorization: `Bearer ${token}`,
        },
        body: JSON.stringify(initialize),
      }),
    );

  it("a grant acts for its principal while that principal is in API_TOKENS, and never otherwise", async () => {
    const alice = await mcp(await tokenFor("alice"));
    expect(alice.status).toBe(200);
    await alice.body?.cancel();
    // A grant whose principal is not (or no longer) configured is refused.
    const carol = await mcp(await tokenFor("carol"));
    expect(carol.status).toBe(401);
    expect(carol.headers.get("WWW-Authenticate")).toContain('error="invalid_token"');
  });

  it("stores tokens only as hashes: no access token, refresh token or code appears in KV", async () => {
    const token = await tokenFor("alice");
    const secret = token.split(":")[2] as string;
    expect(secret.length).toBeGreaterThan(16);
    const listed = await env.OAUTH_KV.list();
    expect(listed.keys.length).toBeGreaterThan(0);
    for (const key of listed.keys) {
      expect(key.name).not.toContain(secret);
      const value = (await env.OAUTH_KV.get(key.name)) ?? "";
      expect(value).not.toContain(secret);
      expect(value).not.toContain(ALICE);
    }
  });

  it("revokes an access token through the token endpoint (RFC 7009)", async () => {
    const token = await tokenFor("alice");
    const before = await mcp(token);
    expect(before.status).toBe(200);
    await before.body?.cancel();
    const revoked = await call(
      new Request(`${HTTPS}/oauth/token`, {
        method: "POST",
        body: new URLSearchParams({ token, client_id: lastClientId }),
      }),
    );
    expect(revoked.status).toBe(200);
    expect((await mcp(token)).status).toBe(401);
  });

  it("grant management takes API tokens only, not OAuth access tokens", async () => {
    const oauthToken = await tokenFor("alice");
    const refused = await call(
      new Request(`${HTTPS}/oauth/grants`, { headers: { Authorization: `Bearer ${oauthToken}` } }),
    );
    expect(refused.status).toBe(401);
    const listed = await call(
      new Request(`${HTTPS}/oauth/grants`, { headers: { Authorization: `Bearer ${ALICE}` } }),
    );
    expect(listed.status).toBe(200);
    const body = (await listed.json()) as { principal: string; grants: unknown[] };
    expect(body.principal).toBe("alice");
    expect(body.grants.length).toBeGreaterThan(0);
  });
});
