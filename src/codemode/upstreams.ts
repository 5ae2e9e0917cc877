/**
 * The upstream manager: one lazily opened MCP client per configured server, cached
 * tool lists, per-server status, allow/deny enforcement and tool calls.
 *
 * Invariants:
 * - One server's failure never affects another: every server is handled on its own,
 *   and aggregate operations (`catalog`) report failures as statuses, not errors.
 * - A failed connection is remembered for `retryAfterMs`, so a down server costs one
 *   attempt per window rather than one per call.
 * - Denied tools never appear in listings, and calling one is refused before any
 *   request reaches the upstream.
 * - Error messages name the server, never its URL or headers, and have every header
 *   value redacted: they flow into user programs.
 * Lives in memory of the session Durable Object; nothing here needs to be durable.
 */

import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpError, type Tool, ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import type { UpstreamServer } from "../config/upstreams.ts";
import { AppError } from "../errors/app-error.ts";
import {
  type Connection,
  connectUpstream,
  type FetchLike,
  resolveHeaders,
  UpstreamConfigError,
} from "./connect.ts";
import { qualifiedName, splitQualified, toolIdentifier } from "./names.ts";
import { type ToolPolicy, toolPolicy } from "./policy.ts";
import { unwrapResult } from "./result.ts";
import type { ServerStatus } from "./status.ts";

export type JsonSchema = Record<string, unknown>;

export interface UpstreamTool {
  server: string;
  /** Identifier used in code: `get_sum`. */
  identifier: string;
  /** The upstream's own name: `get-sum`. */
  upstreamName: string;
  /** `everything.get_sum`: how search results and errors name the tool. */
  qualifiedName: string;
  title?: string;
  description: string;
  inputSchema: JsonSchema;
  outputSchema?: JsonSchema;
}

export interface UpstreamManagerOptions {
  /** Worker env: source of `{"secret": …}` header values. */
  env: Record<string, unknown>;
  connectTimeoutMs?: number;
  retryAfterMs?: number;
  fetch?: FetchLike;
}

interface ToolIndex {
  tools: UpstreamTool[];
  byIdentifier: Map<string, UpstreamTool>;
  byUpstreamName: Map<string, UpstreamTool>;
  /** Hidden by policy, under both spellings, so a call can say "not allowed". */
  hidden: Set<string>;
  fetchedAt: number;
}

interface ServerState {
  config: UpstreamServer;
  policy: ToolPolicy;
  connection?: Promise<Connection>;
  transport?: Connection["transport"];
  index?: ToolIndex;
  loading?: Promise<ToolIndex>;
  failure?: { message: string; at: number; misconfigured: boolean };
}

const MAX_PAGES = 20;
/** A tool asked for by name but missing is re-listed at most this often. */
const MISSING_TOOL_RELIST_MS = 5_000;

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

export class UpstreamManager {
  readonly #states = new Map<string, ServerState>();
  readonly #env: Record<string, unknown>;
  readonly #connectTimeoutMs: number;
  readonly #retryAfterMs: number;
  readonly #fetch: FetchLike | undefined;

  constructor(servers: UpstreamServer[], options: UpstreamManagerOptions) {
    for (const config of servers) this.#states.set(config.name, { config, policy: toolPolicy(config) });
    this.#env = options.env;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.#retryAfterMs = options.retryAfterMs ?? 10_000;
    this.#fetch = options.fetch;
  }

  get serverNames(): string[] {
    return [...this.#states.keys()];
  }

  /** Every exposed tool of every reachable server, and a status line per server. */
  async catalog(): Promise<{ tools: UpstreamTool[]; servers: ServerStatus[] }> {
    const states = [...this.#states.values()];
    const results = await Promise.allSettled(states.map((s) => this.#tools(s)));
    const tools = results.flatMap((r) => (r.status === "fulfilled" ? r.value.tools : []));
    return { tools, servers: states.map((s) => this.#status(s)) };
  }

  statuses(): ServerStatus[] {
    return [...this.#states.values()].map((s) => this.#status(s));
  }

  /** Finds `server.tool` (either spelling of the tool). Throws TOOL_NOT_FOUND / TOOL_NOT_ALLOWED. */
  async find(name: string): Promise<UpstreamTool> {
    const parts = splitQualified(name);
    if (!parts) {
      throw new AppError(
        "TOOL_NOT_FOUND",
        `"${name}" is not a tool name: use <server>.<tool>, e.g. "${this.#example()}".`,
        {
          suggestion: "Use search_tools to find tool names.",
        },
      );
    }
    return this.resolve(parts.server, parts.tool);
  }

  async resolve(serverName: string, toolName: string): Promise<UpstreamTool> {
    const state = this.#state(serverName);
    let index = await this.#tools(state);
    let tool = index.byIdentifier.get(toolName) ?? index.byUpstreamName.get(toolName);
    if (!tool && !index.hidden.has(toolName) && Date.now() - index.fetchedAt > MISSING_TOOL_RELIST_MS) {
      state.index = undefined; // the upstream may have added it since we listed
      index = await this.#tools(state);
      tool = index.byIdentifier.get(toolName) ?? index.byUpstreamName.get(toolName);
    }
    if (tool) return tool;
    if (index.hidden.has(toolName)) {
      throw new AppError(
        "TOOL_NOT_ALLOWED",
        `${qualifiedName(serverName, toolName)} is not allowed by this server's configuration.`,
      );
    }
    throw new AppError("TOOL_NOT_FOUND", `Upstream server "${serverName}" has no tool "${toolName}".`, {
      suggestion: "Use search_tools to find tool names.",
    });
  }

  /**
   * Calls an allowed tool and returns its unwrapped value (see result.ts).
   * Throws AppError: TOOL_NOT_FOUND, TOOL_NOT_ALLOWED, INVALID_ARGUMENT,
   * UPSTREAM_UNAVAILABLE (could not reach it) or UPSTREAM_TOOL_ERROR (it answered with an error).
   */
  async call(serverName: string, toolName: string, args: unknown): Promise<unknown> {
    const tool = await this.resolve(serverName, toolName);
    const state = this.#state(serverName);
    if (args === undefined || args === null) args = {};
    if (typeof args !== "object" || Array.isArray(args)) {
      throw new AppError("INVALID_ARGUMENT", `${tool.qualifiedName} takes one object argument.`);
    }
    const request = { name: tool.upstreamName, arguments: args as Record<string, unknown> };
    const options = { timeout: state.config.call_timeout_ms };
    let result: Awaited<ReturnType<Connection["client"]["callTool"]>>;
    try {
      result = await (await this.#connection(state)).client.callTool(request, undefined, options);
    } catch (error) {
      if (error instanceof McpError) throw this.#toolError(state, tool, error.message);
      // The upstream forgot our session (it restarted): reconnect once; the call never ran.
      this.#dropConnection(state);
      if (!(error instanceof StreamableHTTPError && error.code === 404))
        throw this.#unavailable(state, error);
      try {
        result = await (await this.#connection(state)).client.callTool(request, undefined, options);
      } catch (retryError) {
        if (retryError instanceof McpError) throw this.#toolError(state, tool, retryError.message);
        this.#dropConnection(state);
        throw this.#unavailable(state, retryError);
      }
    }
    const out = unwrapResult(result as Parameters<typeof unwrapResult>[0]);
    if (!out.ok) throw this.#toolError(state, tool, out.message);
    return out.value;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#states.values()].map((s) => this.#dropConnection(s)));
  }

  #example(): string {
    return `${this.serverNames[0] ?? "server"}.tool_name`;
  }

  #state(serverName: string): ServerState {
    const state = this.#states.get(serverName);
    if (state) return state;
    const known = this.serverNames.join(", ") || "none";
    throw new AppError(
      "TOOL_NOT_FOUND",
      `No upstream MCP server is named "${serverName}" (configured: ${known}).`,
    );
  }

  #status(state: ServerState): ServerStatus {
    const { name } = state.config;
    if (state.failure) {
      return {
        name,
        state: state.failure.misconfigured ? "misconfigured" : "unreachable",
        error: state.failure.message,
      };
    }
    if (!state.index) return { name, state: "not_connected" };
    const out: ServerStatus = { name, state: "ok", tools: state.index.tools.length };
    if (state.transport) out.transport = state.transport;
    if (state.index.hidden.size > 0) out.hiddenTools = this.#hiddenCount(state.index);
    return out;
  }

  #hiddenCount(index: ToolIndex): number {
    // `hidden` holds both spellings of each hidden tool; count distinct upstream tools.
    return new Set([...index.hidden].map(toolIdentifier)).size;
  }

  /** Redacts every configured header value from a message that may reach user code. */
  #redact(state: ServerState, message: string): string {
    let values: string[];
    try {
      values = Object.values(resolveHeaders(state.config, this.#env));
    } catch {
      values = Object.values(state.config.headers).flatMap((v) => (typeof v === "string" ? [v] : []));
    }
    let out = message;
    for (const v of values) if (v.length >= 4) out = out.split(v).join("[redacted]");
    return out;
  }

  #unavailable(state: ServerState, error: unknown): AppError {
    const reason = this.#redact(state, describeError(error));
    return new AppError(
      "UPSTREAM_UNAVAILABLE",
      `Upstream MCP server "${state.config.name}" is unreachable: ${reason}`,
      {
        suggestion: "Other upstream servers are unaffected; retry later or check the server's configuration.",
      },
    );
  }

  #toolError(state: ServerState, tool: UpstreamTool, message: string): AppError {
    return new AppError("UPSTREAM_TOOL_ERROR", `${tool.qualifiedName}: ${this.#redact(state, message)}`);
  }

  #connection(state: ServerState): Promise<Connection> {
    const failure = state.failure;
    if (failure && Date.now() - failure.at < this.#retryAfterMs) {
      return Promise.reject(
        new AppError(
          "UPSTREAM_UNAVAILABLE",
          `Upstream MCP server "${state.config.name}" is ${failure.misconfigured ? "misconfigured" : "unreachable"}: ${failure.message}`,
        ),
      );
    }
    if (!state.connection) {
      const opening = connectUpstream(state.config, {
        env: this.#env,
        connectTimeoutMs: this.#connectTimeoutMs,
        ...(this.#fetch ? { fetch: this.#fetch } : {}),
      });
      state.connection = opening;
      opening.then(
        (conn) => {
          state.failure = undefined;
          state.transport = conn.transport;
          conn.client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
            state.index = undefined;
          });
          // A broken transport is reopened on next use.
          conn.client.onclose = () => {
            if (state.connection === opening) state.connection = undefined;
          };
        },
        (error: unknown) => {
          if (state.connection === opening) state.connection = undefined;
          const misconfigured = error instanceof UpstreamConfigError;
          state.failure = {
            message: this.#redact(state, describeError(error)),
            at: Date.now(),
            misconfigured,
          };
        },
      );
    }
    return state.connection.catch((error: unknown) => {
      throw error instanceof AppError ? error : this.#unavailable(state, error);
    });
  }

  async #dropConnection(state: ServerState): Promise<void> {
    const conn = state.connection;
    state.connection = undefined;
    if (!conn) return;
    try {
      await (await conn).client.close();
    } catch {
      // Already closed or never opened.
    }
  }

  #tools(state: ServerState): Promise<ToolIndex> {
    const ttlMs = state.config.tools_ttl_seconds * 1000;
    if (state.index && Date.now() - state.index.fetchedAt < ttlMs) return Promise.resolve(state.index);
    if (!state.loading) {
      const loading = this.#fetchTools(state).finally(() => {
        if (state.loading === loading) state.loading = undefined;
      });
      state.loading = loading;
    }
    return state.loading;
  }

  async #fetchTools(state: ServerState): Promise<ToolIndex> {
    const conn = await this.#connection(state);
    const listed: Tool[] = [];
    try {
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const res = await conn.client.listTools(cursor === undefined ? undefined : { cursor });
        listed.push(...res.tools);
        cursor = res.nextCursor;
        if (cursor === undefined) break;
      }
    } catch (error) {
      this.#dropConnection(state);
      state.failure = {
        message: this.#redact(state, describeError(error)),
        at: Date.now(),
        misconfigured: false,
      };
      throw this.#unavailable(state, error);
    }
    const index = this.#index(state, listed);
    state.index = index;
    return index;
  }

  #index(state: ServerState, listed: Tool[]): ToolIndex {
    const server = state.config.name;
    const index: ToolIndex = {
      tools: [],
      byIdentifier: new Map(),
      byUpstreamName: new Map(),
      hidden: new Set(),
      fetchedAt: Date.now(),
    };
    for (const t of listed) {
      const identifier = toolIdentifier(t.name);
      if (!state.policy.allows(t.name)) {
        index.hidden.add(t.name);
        index.hidden.add(identifier);
        continue;
      }
      if (index.byIdentifier.has(identifier)) {
        console.warn(
          `codemode: ${server} tools "${t.name}" and another both map to "${identifier}"; skipped`,
        );
        continue;
      }
      const tool: UpstreamTool = {
        server,
        identifier,
        upstreamName: t.name,
        qualifiedName: qualifiedName(server, identifier),
        description: t.description ?? "",
        inputSchema: t.inputSchema as JsonSchema,
      };
      if (t.title ?? t.annotations?.title) tool.title = t.title ?? t.annotations?.title;
      if (t.outputSchema) tool.outputSchema = t.outputSchema as JsonSchema;
      index.tools.push(tool);
      index.byIdentifier.set(identifier, tool);
      index.byUpstreamName.set(t.name, tool);
    }
    return index;
  }
}
