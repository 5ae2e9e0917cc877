/** The Worker's HTTP edge (health, routes, Origin, tokens, body limits) and MCP sessions. */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ALICE, BASE, BOB, connect, initialize, rpc } from "./helpers.ts";

const call = (req: Request) => exports.default.fetch(req);

describe("HTTP edge", () => {
  it("serves /health without auth and reveals no secrets", async () => {
    const res = await call(new Request(`${BASE}/health`));
    expect(res.status).toBe(200);
    const body = await res.json<Record<string, unknown>>();
    expect(body).toMatchObject({ status: "ok", name: "codemode-mcp", backend: "cloudflare" });
    expect(JSON.stringify(body)).not.toContain("token");
  });

  it("answers unknown paths with a JSON 404", async () => {
    const res = await call(new Request(`${BASE}/nope`));
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
  });

  it.each([
    ["no token", {}],
    ["a wrong token", { Authorization: "Bearer not-a-real-token-000000" }],
    ["a malformed header", { Authorization: "Basic abc" }],
  ])("rejects %s with 401 and WWW-Authenticate", async (_label, headers) => {
    for (const path of ["/mcp", "/sse"]) {
      const req =
        path === "/mcp"
          ? rpc(initialize, headers)
          : new Request(`${BASE}/sse`, { headers: { Accept: "text/event-stream", ...headers } });
      const res = await call(req);
      expect(res.status).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ error: { code: "UNAUTHORIZED" } });
      expect(text).not.toContain("not-a-real-token");
    }
  });

  it("rejects a foreign browser Origin with 403 and allows configured ones", async () => {
    const foreign = await call(
      rpc(initialize, { Authorization: `Bearer ${ALICE}`, Origin: "https://evil.example" }),
    );
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ error: { code: "FORBIDDEN_ORIGIN" } });
    // Production config: localhost origins are not allowed unless listed.
    const local = await call(
      rpc(initialize, { Authorization: `Bearer ${ALICE}`, Origin: "http://localhost:3000" }),
    );
    expect(local.status).toBe(403);
    const listed = await call(
      rpc(initialize, { Authorization: `Bearer ${ALICE}`, Origin: "https://app.example.com" }),
    );
    expect(listed.status).toBe(200);
    await listed.body?.cancel();
  });

  it("rejects a request for a foreign Host name (DNS rebinding without an Origin) with 403", async () => {
    const initBody = JSON.stringify(initialize);
    const headers = {
      Authorization: `Bearer ${ALICE}`,
      Accept: "application/json, text/event-stream",
      "Content-Type": "application/json",
    };
    for (const [base, status] of [
      ["http://evil.example", 403],
      ["http://evil.example.localhost.attacker.net:8787", 403],
      ["http://localhost:8787", 200],
      ["http://127.0.0.1:8787", 200],
      ["https://codemode-mcp.someone.workers.dev", 200],
      ["https://app.example.com", 200],
    ] as const) {
      const res = await call(new Request(`${base}/mcp`, { method: "POST", headers, body: initBody }));
      expect([base, res.status]).toEqual([base, status]);
      if (status === 403) {
        const body = await res.json<{ error: { code: string; message: string } }>();
        expect(body.error.code).toBe("FORBIDDEN_HOST");
        expect(body.error.message).toContain("ALLOWED_HOSTS");
      } else {
        await res.body?.cancel();
      }
    }
    // A GET to the legacy SSE endpoint is what a rebinding page can send without an Origin.
    const sse = await call(
      new Request("http://evil.example/sse", {
        headers: { Authorization: `Bearer ${ALICE}`, Accept: "text/event-stream" },
      }),
    );
    expect(sse.status).toBe(403);
  });

  it("rejects an invalid workspace name with a clear 400", async () => {
    const res = await call(
      new Request(`${BASE}/mcp?workspace=Bad_Name!`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${ALICE}`,
          Accept: "application/json, text/event-stream",
          "Content-Type": "application/json",
        },
        body: JSON.stringify(initialize),
      }),
    );
    expect(res.status).toBe(400);
    const body = await res.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe("INVALID_WORKSPACE_NAME");
    expect(body.error.message).toContain("Bad_Name!");
  });

  it("refuses bodies over the size limit with 413, declared or not", async () => {
    const big = JSON.stringify({
      ...initialize,
      params: { ...initialize.params, pad: "x".repeat(4_200_000) },
    });
    const res = await call(rpc(big, { Authorization: `Bearer ${ALICE}` }));
    expect(res.status).toBe(413);
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const chunked = await call(
      new Request(`${BASE}/mcp`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${ALICE}`,
          Accept: "application/json, text/event-stream",
          "Content-Type": "application/json",
        },
        body: stream,
        duplex: "half",
      } as RequestInit),
    );
    expect(chunked.status).toBe(413);
  });

  it("answers malformed JSON and wrong-shaped JSON-RPC with 400 and keeps serving", async () => {
    const bad = await call(rpc("{not json", { Authorization: `Bearer ${ALICE}` }));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: -32700 } });
    const shape = await call(rpc({ hello: "world" }, { Authorization: `Bearer ${ALICE}` }));
    expect(shape.status).toBe(400);
    const { client } = await connect(ALICE);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await client.close();
  });
});

describe("sessions", () => {
  it("binds a session to the principal that created it", async () => {
    const { client, transport } = await connect(ALICE);
    const sid = transport.sessionId;
    expect(sid).toBeTruthy();
    const list = { jsonrpc: "2.0", id: 2, method: "tools/list", params: {} };
    const asBob = await call(rpc(list, { Authorization: `Bearer ${BOB}`, "mcp-session-id": sid ?? "" }));
    expect(asBob.status).toBe(404);
    const guessed = await call(
      rpc(list, { Authorization: `Bearer ${ALICE}`, "mcp-session-id": "0".repeat(64) }),
    );
    expect(guessed.status).toBe(404);
    // Alice's own session still works afterwards.
    expect((await client.listTools()).tools.map((t) => t.name)).toContain("workspace_info");
    await client.close();
  });
});
