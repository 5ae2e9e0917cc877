/** Test tokens, the Worker's fetch, and a real MCP client connected to it. */
import { exports } from "cloudflare:workers";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

export const ALICE = "alice-token-0123456789abcdef";
export const BOB = "bob-token-0123456789abcdef";
export const BASE = "http://mcp.test";

/** fetch that goes straight into the Worker under test. */
export const workerFetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> =>
  exports.default.fetch(new Request(input, init));

/** An official MCP SDK client connected to the Worker under test over Streamable HTTP. */
export async function connect(
  token: string,
  query = "",
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(`${BASE}/mcp${query}`), {
    fetch: workerFetch,
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: "test", version: "1.0.0" });
  await client.connect(transport);
  return { client, transport };
}

export function rpc(body: unknown, headers: Record<string, string> = {}): Request {
  return new Request(`${BASE}/mcp`, {
    method: "POST",
    headers: {
      Accept: "application/json, text/event-stream",
      "Content-Type": "application/json",
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export const initialize = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
};
