/**
 * The real `ToolClient`: the official MCP SDK client over Streamable HTTP with a bearer
 * token. Transport failures become CliErrors that say what to do (start the server,
 * check the token); the token itself never appears in them.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CallToolResultSchema, ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { SERVER_VERSION } from "../../src/shared/version.ts";
import type { ToolClient } from "./client.ts";
import type { CliConfig } from "./config.ts";
import { CliError } from "./errors.ts";

export async function connectMcp(config: CliConfig): Promise<ToolClient> {
  const transport = new StreamableHTTPClientTransport(config.url, {
    requestInit: { headers: { Authorization: `Bearer ${config.token}` } },
  });
  const client = new Client({ name: "codemode-mcp-cli", version: SERVER_VERSION });
  try {
    await client.connect(transport);
  } catch (error) {
    await client.close().catch(() => undefined);
    throw describeFailure(error, config.url);
  }
  return {
    async callTool(name, args, options) {
      try {
        const result = await client.callTool({ name, arguments: args }, undefined, {
          ...(options?.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
        });
        // callTool's type also covers the pre-2025 `toolResult` shape; this server never sends it.
        return CallToolResultSchema.parse(result);
      } catch (error) {
        throw describeFailure(error, config.url);
      }
    },
    async close() {
      // Each CLI run is one MCP session; ending it frees the server's session object.
      await transport.terminateSession().catch(() => undefined);
      await client.close().catch(() => undefined);
    },
  };
}

/** Turns what the SDK or fetch threw into a message a person can act on. */
export function describeFailure(error: unknown, url: URL): CliError {
  const where = endpointLabel(url);
  if (error instanceof StreamableHTTPError) {
    const detail = serverMessage(error.message);
    switch (error.code) {
      case 401:
        return new CliError(
          `The server at ${where} rejected the token (401 Unauthorized${detail ? `: ${detail}` : ""}). Check CODEMODE_TOKEN or --token: it must be one of the server's API_TOKENS.`,
        );
      case 403:
        return new CliError(
          `The server at ${where} refused the request (403${detail ? `: ${detail}` : ""}).`,
        );
      case 404:
        return new CliError(
          `No MCP endpoint at ${where} (404${detail ? `: ${detail}` : ""}). The URL should end in /mcp.`,
        );
      default:
        return new CliError(
          `The server at ${where} answered HTTP ${error.code}${detail ? `: ${detail}` : ""}.`,
        );
    }
  }
  if (error instanceof McpError) {
    if (error.code === ErrorCode.RequestTimeout) {
      return new CliError(`The server at ${where} did not answer in time; for long work use \`task start\`.`);
    }
    return new CliError(error.message);
  }
  const network = networkCode(error);
  if (network) {
    return new CliError(
      `Cannot reach the codemode-mcp server at ${where} (${network}). Start it with \`npm start\`, or point --url / CODEMODE_URL at a running server.`,
    );
  }
  return new CliError(error instanceof Error ? error.message : String(error));
}

/** The URL without its query (the workspace name is shown separately where it matters). */
function endpointLabel(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** The `message` of the server's JSON error body inside an SDK error message, if any. */
function serverMessage(message: string): string | undefined {
  const start = message.indexOf("{");
  if (start < 0) return undefined;
  try {
    const body: unknown = JSON.parse(message.slice(start));
    const nested = (body as { error?: { message?: unknown } }).error?.message;
    return typeof nested === "string" ? nested.replace(/\.$/, "") : undefined;
  } catch {
    return undefined;
  }
}

/** A system error code (ECONNREFUSED, ENOTFOUND, …) anywhere in the cause chain. */
function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return code;
    current = current.cause;
  }
  if (error instanceof TypeError && error.message === "fetch failed") return "fetch failed";
  return undefined;
}
