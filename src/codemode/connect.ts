/**
 * Opens an MCP client connection to one upstream server.
 *
 * - Streamable HTTP first; with `transport: "auto"` an HTTP 4xx answer falls back to the
 *   legacy HTTP+SSE transport, as the MCP spec's backwards-compatibility section asks.
 *   Network failures and timeouts do not: the server is down, not old.
 * - Header values naming a secret are read from the Worker env here and only handed
 *   to the transport: they are never stored on the manager, logged, or put in errors.
 * - The standalone GET stream of Streamable HTTP is declined (answered locally with
 *   405, which the SDK treats as "not offered"): a long-lived request would pin the
 *   session Durable Object in memory, and tool-list TTLs already cover list changes.
 * - Output schemas are validated with @cfworker/json-schema, because the SDK's default
 *   (Ajv) compiles with `new Function`, which the Workers runtime forbids.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import type { UpstreamServer } from "../config/upstreams.ts";
import { SERVER_NAME, SERVER_VERSION } from "../shared/version.ts";

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface ConnectOptions {
  /** Worker env, read for `{"secret": …}` header values. */
  env: Record<string, unknown>;
  connectTimeoutMs: number;
  fetch?: FetchLike;
}

export interface Connection {
  client: Client;
  transport: "streamable-http" | "sse";
}

/** A configuration problem (missing secret): not worth retrying until config changes. */
export class UpstreamConfigError extends Error {
  override readonly name = "UpstreamConfigError";
}

export function resolveHeaders(server: UpstreamServer, env: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [header, value] of Object.entries(server.headers)) {
    if (typeof value === "string") {
      out[header] = value;
      continue;
    }
    const secret = env[value.secret];
    if (typeof secret !== "string" || secret === "") {
      throw new UpstreamConfigError(
        `header ${header} names the secret ${value.secret}, which is not set in the Worker environment`,
      );
    }
    out[header] = secret;
  }
  return out;
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function newClient(): Client {
  return new Client(
    { name: `${SERVER_NAME}-codemode`, version: SERVER_VERSION },
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
  );
}

async function attempt(
  kind: Connection["transport"],
  url: URL,
  headers: Record<string, string>,
  opts: ConnectOptions,
): Promise<Connection> {
  const base: FetchLike = opts.fetch ?? ((input, init) => fetch(input, init));
  const client = newClient();
  const transport =
    kind === "streamable-http"
      ? new StreamableHTTPClientTransport(url, {
          requestInit: { headers },
          fetch: (input, init) =>
            init?.method === "GET" ? Promise.resolve(new Response(null, { status: 405 })) : base(input, init),
        })
      : new SSEClientTransport(url, { requestInit: { headers }, fetch: base });
  try {
    await withTimeout(client.connect(transport), opts.connectTimeoutMs, "connecting");
    return { client, transport: kind };
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
}

export async function connectUpstream(server: UpstreamServer, opts: ConnectOptions): Promise<Connection> {
  const headers = resolveHeaders(server, opts.env);
  const url = new URL(server.url);
  if (server.transport !== "auto") return attempt(server.transport, url, headers, opts);
  try {
    return await attempt("streamable-http", url, headers, opts);
  } catch (first) {
    const status = first instanceof StreamableHTTPError ? (first.code ?? 0) : 0;
    const oldServer = status >= 400 && status < 500;
    if (!oldServer) throw first;
    try {
      return await attempt("sse", url, headers, opts);
    } catch {
      // The Streamable HTTP error is the informative one for a modern server.
      throw first;
    }
  }
}
