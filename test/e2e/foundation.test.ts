/**
 * The foundation through the official MCP client against a real `wrangler dev` and
 * sandbox host: both transports, auth, origins, session ownership, workspaces, bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../helpers/stack.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

interface Info {
  name: string;
  principal: string;
  createdAt: string;
  sandboxId: string;
  backend: string;
}

const info = async (client: Awaited<ReturnType<Stack["connect"]>>): Promise<Info> => {
  const result = await client.callTool({ name: "workspace_info", arguments: {} });
  expect(result.isError).toBeFalsy();
  return result.structuredContent as unknown as Info;
};

const post = (path: string, body: string, headers: Record<string, string>) =>
  fetch(`${stack.url}${path}`, {
    method: "POST",
    headers: {
      Accept: "application/json, text/event-stream",
      "Content-Type": "application/json",
      ...headers,
    },
    body,
  });

const initialize = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
});

describe("over Streamable HTTP and legacy SSE", () => {
  it.each(["streamable", "sse"] as const)(
    "initialize, tools/list and workspace_info work over %s",
    async (transport) => {
      const client = await stack.connect(stack.tokens.alice, { transport });
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain("workspace_info");
      const ws = await info(client);
      expect(ws.principal).toBe("alice");
      expect(ws.backend).toBe("local");
      await client.close();
    },
  );

  it("answers /health without auth", async () => {
    const res = await fetch(`${stack.url}/health`);
    expect(await res.json()).toMatchObject({ status: "ok", backend: "local" });
  });
});

describe("auth and origins", () => {
  it("rejects a missing or wrong token with 401 on both transports", async () => {
    const cases: Record<string, string>[] = [{}, { Authorization: "Bearer wrong-token-000000000000" }];
    for (const headers of cases) {
      const mcp = await post("/mcp", initialize, headers);
      expect(mcp.status).toBe(401);
      expect(mcp.headers.get("www-authenticate")).toMatch(/^Bearer/);
      const sse = await fetch(`${stack.url}/sse`, { headers: { Accept: "text/event-stream", ...headers } });
      expect(sse.status).toBe(401);
      await sse.body?.cancel();
    }
  });

  it("rejects a foreign browser Origin with 403 and accepts localhost in development", async () => {
    const auth = { Authorization: `Bearer ${stack.tokens.alice}` };
    expect((await post("/mcp", initialize, { ...auth, Origin: "https://evil.example" })).status).toBe(403);
    const local = await post("/mcp", initialize, { ...auth, Origin: "http://localhost:6274" });
    expect(local.status).toBe(200);
    await local.body?.cancel();
  });

  it("treats alice's session id presented with bob's token as unknown (404)", async () => {
    const init = await post("/mcp", initialize, { Authorization: `Bearer ${stack.tokens.alice}` });
    const sid = init.headers.get("mcp-session-id") ?? "";
    await init.body?.cancel();
    expect(sid).not.toBe("");
    const list = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    const asBob = await post("/mcp", list, {
      Authorization: `Bearer ${stack.tokens.bob}`,
      "mcp-session-id": sid,
    });
    expect(asBob.status).toBe(404);
    const asAlice = await post("/mcp", list, {
      Authorization: `Bearer ${stack.tokens.alice}`,
      "mcp-session-id": sid,
      "mcp-protocol-version": "2025-06-18",
    });
    expect(asAlice.status).toBe(200);
    await asAlice.body?.cancel();
  });
});

describe("workspaces", () => {
  it("?workspace=foo reattaches; no name means a fresh workspace; principals never share", async () => {
    const a1 = await info(await stack.connect(stack.tokens.alice, { workspace: "foo" }));
    const a2 = await info(await stack.connect(stack.tokens.alice, { workspace: "foo" }));
    expect(a2.createdAt).toBe(a1.createdAt);
    expect(a2.sandboxId).toBe(a1.sandboxId);
    const fresh1 = await info(await stack.connect(stack.tokens.alice));
    const fresh2 = await info(await stack.connect(stack.tokens.alice));
    expect(fresh1.sandboxId).not.toBe(fresh2.sandboxId);
    const b = await info(await stack.connect(stack.tokens.bob, { workspace: "foo" }));
    expect(b.principal).toBe("bob");
    expect(b.sandboxId).not.toBe(a1.sandboxId);
  });
});

describe("bad input", () => {
  const auth = () => ({ Authorization: `Bearer ${stack.tokens.alice}` });

  it("malformed JSON, wrong-shaped JSON-RPC, oversize body and bad workspace names get clear errors", async () => {
    const malformed = await post("/mcp", "{oops", auth());
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { code: -32700 } });
    const shape = await post("/mcp", JSON.stringify({ foo: 1 }), auth());
    expect(shape.status).toBe(400);
    const big = await post("/mcp", JSON.stringify({ pad: "x".repeat(4_300_000) }), auth());
    expect(big.status).toBe(413);
    const badName = await fetch(`${stack.url}/mcp?workspace=UPPER..case`, {
      method: "POST",
      headers: {
        ...auth(),
        Accept: "application/json, text/event-stream",
        "Content-Type": "application/json",
      },
      body: initialize,
    });
    expect(badName.status).toBe(400);
    expect(await badName.json()).toMatchObject({ error: { code: "INVALID_WORKSPACE_NAME" } });
  });

  it("an unknown tool and invalid arguments are reported, naming the tool or field; the server keeps serving", async () => {
    const client = await stack.connect(stack.tokens.alice);
    const unknown = await client.callTool({ name: "nope", arguments: {} }).then(
      (r) => JSON.stringify(r),
      (e: Error) => e.message,
    );
    expect(unknown).toMatch(/nope/);
    const invalid = await client
      .callTool({ name: "execute_code", arguments: { code: 42, language: "cobol" } })
      .then(
        (r) => JSON.stringify(r),
        (e: Error) => e.message,
      );
    expect(invalid).toMatch(/language/);
    expect(invalid).toMatch(/code/);
    expect((await info(client)).principal).toBe("alice");
  });
});
