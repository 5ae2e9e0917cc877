/**
 * The seam between commands and the server. Commands call tools through a `ToolClient`;
 * the real one speaks MCP (mcp-client.ts), tests pass a scripted fake. `call` adds the
 * typing: arguments checked against the tool's input schema at compile time, and the
 * result parsed with its output schema at run time. Both schemas are the server's own
 * (src/mcp/schemas).
 */

import type { z } from "zod";
import type { ToolContract } from "../../src/mcp/schemas/contract.ts";
import type { CliConfig } from "./config.ts";
import { CliError, ToolError } from "./errors.ts";
import { inCliTerms } from "./hints.ts";

/** What the CLI reads from an MCP `tools/call` result. */
export interface ToolResult {
  content?: ReadonlyArray<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export interface CallOptions {
  /** How long to wait for the answer; the MCP client's default is 60 s. */
  timeoutMs?: number;
}

export interface ToolClient {
  callTool(name: string, args: Record<string, unknown>, options?: CallOptions): Promise<ToolResult>;
  close(): Promise<void>;
}

/** Opens a client for a resolved configuration. */
export type Connector = (config: CliConfig) => Promise<ToolClient>;

export interface Called<T> {
  /** The result, parsed with the tool's output schema. */
  value: T;
  /** `structuredContent` exactly as the server sent it (what --json prints). */
  structured: Record<string, unknown>;
}

/** Calls a tool; an `isError` answer becomes a ToolError carrying the server's text. */
export async function call<I extends z.ZodObject, O extends z.ZodObject>(
  client: ToolClient,
  tool: ToolContract<I, O>,
  args: z.input<I>,
  options?: CallOptions,
): Promise<Called<z.infer<O>>> {
  const result = await client.callTool(tool.name, args, options);
  if (result.isError) {
    const text = resultText(result);
    throw new ToolError(
      tool.name,
      isUnknownTool(text, tool.name) ? missingTool(tool.name) : inCliTerms(text) || `${tool.name} failed.`,
    );
  }
  const parsed = tool.output.safeParse(result.structuredContent);
  if (!parsed.success || result.structuredContent === undefined) {
    // Only a server from another version answers this way; say so rather than crash later.
    throw new CliError(
      `The server's ${tool.name} result does not match what this CLI expects; is the server from the same version?`,
    );
  }
  return { value: parsed.data, structured: result.structuredContent };
}

/** The SDK answers a call to a tool the server does not register with this text. */
function isUnknownTool(text: string, name: string): boolean {
  return text.includes(`Tool ${name} not found`);
}

function missingTool(name: string): string {
  // search_tools and describe_tool exist only when code mode has upstream servers.
  if (name === "search_tools" || name === "describe_tool") {
    return `The server has no ${name} tool: code mode is off because it has no UPSTREAM_MCP_SERVERS configured.`;
  }
  return `The server has no ${name} tool; is it from the same version as this CLI?`;
}

/** The text blocks of a result, joined. */
export function resultText(result: ToolResult): string {
  return (result.content ?? [])
    .flatMap((block) => (block.type === "text" && block.text !== undefined ? [block.text] : []))
    .join("\n");
}
