/**
 * Clients for protocol 2026-07-28 in end-to-end tests: the SDK v2 client pinned to
 * 2026-07-28, and the raw request path the Tasks extension client
 * (`@modelcontextprotocol/ext-tasks`) needs for task traffic the SDK's codecs do not carry.
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import type { RawClientDispatch } from "@modelcontextprotocol/ext-tasks/client";
import { createTaskSessionFromClient } from "@modelcontextprotocol/ext-tasks/client";

export const PROTOCOL_2026 = "2026-07-28";
export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";
const CLIENT_INFO = { name: "e2e-2026", version: "1.0.0" };

export function mcpUrl(base: string, workspace?: string): URL {
  return new URL(`${base}/mcp${workspace ? `?workspace=${encodeURIComponent(workspace)}` : ""}`);
}

/** An SDK v2 client pinned to 2026-07-28 (no fallback), declaring the Tasks extension. */
export async function connect2026(base: string, token: string, workspace?: string): Promise<Client> {
  const client = new Client(CLIENT_INFO, {
    versionNegotiation: { mode: { pin: PROTOCOL_2026 } },
    capabilities: { extensions: { [TASKS_EXTENSION]: {} } },
  });
  await client.connect(
    new StreamableHTTPClientTransport(mcpUrl(base, workspace), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

/** The messages in a response body (one for plain JSON, every frame of an SSE stream). */
async function rpcFrames(response: Response): Promise<Array<Record<string, unknown>>> {
  const text = await response.text();
  if (!(response.headers.get("content-type") ?? "").includes("text/event-stream")) return [JSON.parse(text)];
  return text
    .split("\n")
    .filter((line) => line.startsWith("data:") && line.length > 5)
    .map((line) => JSON.parse(line.slice(5)) as Record<string, unknown>);
}

/** The JSON-RPC response in a response body, whether plain JSON or an SSE stream. */
async function rpcMessage(response: Response): Promise<Record<string, unknown>> {
  const frames = await rpcFrames(response);
  const last = frames.findLast((frame) => "result" in frame || "error" in frame);
  if (!last) throw new Error(`no JSON-RPC response in: ${JSON.stringify(frames).slice(0, 200)}`);
  return last;
}

/** POSTs one 2026-07-28 request with the standard headers a 2026 client sends. */
export async function post2026(url: URL, token: string, message: Record<string, unknown>): Promise<Response> {
  const params = (message.params ?? {}) as Record<string, unknown>;
  const name = params.name ?? params.taskId;
  return fetch(url, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${token}`,
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      "MCP-Protocol-Version": PROTOCOL_2026,
      "Mcp-Method": String(message.method),
      ...(typeof name === "string" ? { "Mcp-Name": name } : {}),
    },
    body: JSON.stringify(message),
  });
}

let nextId = 1;

export interface RawOptions {
  /** Declare the Tasks extension (default true). */
  tasks?: boolean;
  /** The per-request log level (`io.modelcontextprotocol/logLevel`). */
  logLevel?: string;
}

/** A raw request with the per-request `_meta` envelope (optionally without the Tasks extension). */
export async function rpc2026(
  url: URL,
  token: string,
  method: string,
  params: Record<string, unknown> = {},
  options: RawOptions = {},
): Promise<Record<string, unknown>> {
  return rpcMessage(await send2026(url, token, method, params, options));
}

/** Like rpc2026, but every message of the exchange (notifications before the response too). */
export async function exchange2026(
  url: URL,
  token: string,
  method: string,
  params: Record<string, unknown> = {},
  options: RawOptions = {},
): Promise<Array<Record<string, unknown>>> {
  return rpcFrames(await send2026(url, token, method, params, options));
}

function send2026(
  url: URL,
  token: string,
  method: string,
  params: Record<string, unknown>,
  options: RawOptions,
): Promise<Response> {
  const capabilities = options.tasks === false ? {} : { extensions: { [TASKS_EXTENSION]: {} } };
  return post2026(url, token, {
    jsonrpc: "2.0",
    id: nextId++,
    method,
    params: {
      ...params,
      _meta: {
        "io.modelcontextprotocol/protocolVersion": PROTOCOL_2026,
        "io.modelcontextprotocol/clientInfo": CLIENT_INFO,
        "io.modelcontextprotocol/clientCapabilities": capabilities,
        ...(options.logLevel ? { "io.modelcontextprotocol/logLevel": options.logLevel } : {}),
      },
    },
  });
}

/** The raw dispatch ext-tasks uses for V2 task traffic: one HTTP POST per request (we add the id). */
export function rawDispatch(url: URL, token: string): RawClientDispatch {
  return async (request) => {
    const framed = { jsonrpc: "2.0", id: nextId++, ...(request as Record<string, unknown>) };
    const message = await rpcMessage(await post2026(url, token, framed));
    if ("error" in message)
      return { kind: "error", error: message.error as { code: number; message: string } };
    return { kind: "result", result: message.result as never };
  };
}

/** A Tasks-extension session (ext-tasks) over a connected 2026-07-28 client. */
export function taskSession(client: Client, url: URL, token: string) {
  return createTaskSessionFromClient(client, {
    endpointId: url.toString(),
    rawDispatch: rawDispatch(url, token),
    v2RequestFraming: {
      protocolVersion: PROTOCOL_2026,
      clientInfo: CLIENT_INFO,
      clientCapabilities: { extensions: { [TASKS_EXTENSION]: {} } },
    },
  });
}
