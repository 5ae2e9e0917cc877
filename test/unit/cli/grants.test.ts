/** grants commands: what they request, how they print, and how refusals end. */
import { describe, expect, it } from "vitest";
import { runCli } from "../../../cli/src/cli.ts";
import { fakeIo, fakeServer } from "./fakes.ts";

interface Sent {
  url: string;
  method: string;
  authorization: string | null;
}

/** A scripted HTTP server for the grants endpoint that records what it was sent. */
function fakeHttp(answer: (sent: Sent) => { status: number; body: unknown }) {
  const sent: Sent[] = [];
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const s = {
      url: request.url,
      method: request.method,
      authorization: request.headers.get("Authorization"),
    };
    sent.push(s);
    const { status, body } = answer(s);
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  }) as typeof fetch;
  return { sent, fetcher };
}

async function run(argv: string[], fetcher: typeof fetch) {
  const io = fakeIo({ env: { CODEMODE_URL: "http://127.0.0.1:9999/mcp" } });
  const code = await runCli(argv, { io, connect: fakeServer().connect, fetch: fetcher });
  return { code, out: io.out(), err: io.err() };
}

const grant = {
  id: "g1",
  clientId: "c1",
  clientName: "Claude",
  redirectUri: "https://claude.ai/api/mcp/auth_callback",
  createdAt: "2026-11-30T10:00:00.000Z",
  lastUsedAt: null,
  expiresAt: null,
};

describe("grants list", () => {
  it("asks the server's origin with the API token and prints a table", async () => {
    const http = fakeHttp(() => ({ status: 200, body: { principal: "alice", grants: [grant] } }));
    const r = await run(["grants", "list"], http.fetcher);
    expect(r.code).toBe(0);
    expect(http.sent[0]).toEqual({
      url: "http://127.0.0.1:9999/oauth/grants",
      method: "GET",
      authorization: "Bearer test-token-0123456789",
    });
    expect(r.out).toMatch(/^ID +CLIENT +CREATED +LAST USED\ng1 +Claude +2026-11-30T10:00:00.000Z +never\n$/);
  });

  it("says so when there are none, and prints JSON with --json", async () => {
    const http = fakeHttp(() => ({ status: 200, body: { principal: "alice", grants: [] } }));
    expect((await run(["grants", "list"], http.fetcher)).out).toBe("No OAuth grants for alice.\n");
    const json = await run(["grants", "list", "--json"], http.fetcher);
    expect(JSON.parse(json.out)).toEqual({ principal: "alice", grants: [] });
  });
});

describe("grants revoke", () => {
  it("sends DELETE for the id and confirms", async () => {
    const http = fakeHttp(() => ({ status: 200, body: { revoked: "g1" } }));
    const r = await run(["grants", "revoke", "g1"], http.fetcher);
    expect(r.code).toBe(0);
    expect(http.sent[0]?.method).toBe("DELETE");
    expect(http.sent[0]?.url).toBe("http://127.0.0.1:9999/oauth/grants/g1");
    expect(r.out).toBe("grant g1 revoked\n");
  });

  it("reports the server's refusal and exits 1", async () => {
    const http = fakeHttp(() => ({
      status: 404,
      body: { error: { code: "NOT_FOUND", message: 'No OAuth grant "nope" for alice; see `grants list`.' } },
    }));
    const r = await run(["grants", "revoke", "nope"], http.fetcher);
    expect(r.code).toBe(1);
    expect(r.err).toContain('NOT_FOUND: No OAuth grant "nope" for alice');
  });

  it("needs exactly one id (usage error, nothing sent)", async () => {
    const http = fakeHttp(() => ({ status: 500, body: {} }));
    expect((await run(["grants", "revoke"], http.fetcher)).code).toBe(2);
    expect((await run(["grants", "revoke", "a", "b"], http.fetcher)).code).toBe(2);
    expect(http.sent).toHaveLength(0);
  });
});
