/**
 * One list of tools, two protocol eras: the 2025 session server (SDK v1, read through a
 * real client) and the 2026-07-28 stateless host list the same tools with the same
 * names, descriptions, schemas and annotations. Only the JSON Schema dialect tag and
 * the 2025-only `execution` field (deleted in 2026-07-28) may differ.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { expect, it } from "vitest";
import type { ToolDeps } from "../../src/mcp/deps.ts";
import { createMcpServer } from "../../src/mcp/server.ts";
import { sessionToolHost } from "../../src/mcp/session-tool-host.ts";
import { StatelessToolHost } from "../../src/mcp/stateless/tool-host.ts";
import { registerTools } from "../../src/mcp/tools/index.ts";

// Listing never calls a handler, so the tools need no live dependencies.
const deps = {} as ToolDeps;

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== "$schema" && key !== "execution")
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, inner]) => [key, canonical(inner)]),
  );
}

it("the 2025 session server and the 2026-07-28 host list identical tools", async () => {
  const server = createMcpServer({});
  registerTools(sessionToolHost(server), deps);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "eras", version: "1.0.0" });
  await client.connect(clientSide);
  const legacy = (await client.listTools()).tools;
  await client.close();

  const host = new StatelessToolHost({ retentionMs: 0 });
  registerTools(host, deps);
  const modern = host.list();

  expect(modern.map((t) => t.name)).toEqual(legacy.map((t) => t.name));
  expect(modern.map(canonical)).toEqual(legacy.map(canonical));
  // State-changing tools take an idempotency key in both eras.
  const executeCode = modern.find((t) => t.name === "execute_code");
  expect(executeCode?.inputSchema.properties).toHaveProperty("idempotency_key");
});
