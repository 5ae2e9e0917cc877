/** Sessions map to workspaces per principal; idle unnamed workspaces expire with their sandbox. */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { McpSession } from "../../src/worker/session-agent.ts";
import { ALICE, BOB, connect } from "./helpers.ts";

interface Info {
  name: string;
  named: boolean;
  principal: string;
  sandboxId: string;
  createdAt: string;
  expiresAt: string | null;
  backend: string;
  limits: { defaultTimeoutSeconds: number; outputLimitBytes: number };
}

async function workspaceInfo(token: string, query = ""): Promise<Info> {
  const { client } = await connect(token, query);
  const result = await client.callTool({ name: "workspace_info", arguments: {} });
  await client.close();
  expect(result.isError).toBeFalsy();
  return result.structuredContent as unknown as Info;
}

describe("session → workspace mapping", () => {
  it("reattaches two sessions with the same ?workspace to one workspace", async () => {
    const a = await workspaceInfo(ALICE, "?workspace=foo");
    await new Promise((r) => setTimeout(r, 5));
    const b = await workspaceInfo(ALICE, "?workspace=foo");
    expect(a).toMatchObject({ name: "foo", named: true, principal: "alice", expiresAt: null });
    expect(b.createdAt).toBe(a.createdAt);
    expect(b.sandboxId).toBe(a.sandboxId);
  });

  it("gives each unnamed session its own workspace that expires", async () => {
    const a = await workspaceInfo(ALICE);
    const b = await workspaceInfo(ALICE);
    expect(a.named).toBe(false);
    expect(a.sandboxId).not.toBe(b.sandboxId);
    expect(a.name).not.toBe(b.name);
    expect(a.expiresAt).not.toBeNull();
  });

  it("keeps principals apart: bob's foo is not alice's foo", async () => {
    const alice = await workspaceInfo(ALICE, "?workspace=shared-name");
    const bob = await workspaceInfo(BOB, "?workspace=shared-name");
    expect(bob.principal).toBe("bob");
    expect(bob.sandboxId).not.toBe(alice.sandboxId);
  });

  it("reports backend and limits", async () => {
    const info = await workspaceInfo(ALICE);
    expect(info.backend).toBe("cloudflare");
    expect(info.limits).toMatchObject({ defaultTimeoutSeconds: 30, outputLimitBytes: 65536 });
  });
});

describe("expiry", () => {
  it("destroys an idle session once its TTL has passed, and keeps an active one", async () => {
    const { client, transport } = await connect(ALICE);
    const internalId = (transport.sessionId ?? "").split(".")[0] ?? "";
    const stub = env.MCP_OBJECT.getByName(`streamable-http:${internalId}`);
    // Not idle long enough: the session reschedules itself and keeps working.
    await runInDurableObject(stub, (session: McpSession) => session.expireIfIdle({ ttlSeconds: 3600 }));
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    // Idle past the TTL: the session is gone and its id is unknown from then on.
    await runInDurableObject(stub, (session: McpSession) => session.expireIfIdle({ ttlSeconds: 0 }));
    await expect(client.listTools()).rejects.toThrow(/404|not found/i);
  });

  it("a session woken after eviction still expires on its idle time", async () => {
    const { client, transport } = await connect(ALICE);
    const internalId = (transport.sessionId ?? "").split(".")[0] ?? "";
    const stub = env.MCP_OBJECT.getByName(`streamable-http:${internalId}`);
    const twoHoursAgo = Date.now() - 2 * 3600_000;
    await runInDurableObject(stub, (_s: McpSession, state) => state.storage.put("lastActiveAt", twoHoursAgo));
    await evictDurableObject(stub);
    // Waking the object (here by listing tools, which is not a tool call) is not activity.
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await runInDurableObject(stub, (session: McpSession) => session.expireIfIdle({ ttlSeconds: 3600 }));
    await expect(client.listTools()).rejects.toThrow(/404|not found/i);
  });
});
