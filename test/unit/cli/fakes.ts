/**
 * Deterministic stand-ins for the CLI's seams: an `Io` that records what was written and a
 * scripted `ToolClient` that answers tool calls from handlers and records them.
 */
import type { CallOptions, ToolClient, ToolResult } from "../../../cli/src/client.ts";
import type { Context } from "../../../cli/src/command.ts";
import type { CliConfig } from "../../../cli/src/config.ts";
import type { Io } from "../../../cli/src/io.ts";

export interface FakeIo extends Io {
  /** Everything written to stdout, as text. */
  out(): string;
  /** Everything written to stdout, as bytes. */
  outBytes(): Uint8Array;
  err(): string;
  sleeps: number[];
}

export function fakeIo(
  options: {
    env?: Record<string, string | undefined>;
    stdin?: string | Uint8Array;
    files?: Record<string, string | Uint8Array>;
  } = {},
): FakeIo {
  const out: Uint8Array[] = [];
  const err: string[] = [];
  const encode = (v: string | Uint8Array) => (typeof v === "string" ? new TextEncoder().encode(v) : v);
  const sleeps: number[] = [];
  return {
    stdout: (chunk) => out.push(encode(chunk)),
    stderr: (text) => err.push(text),
    readStdin: async () => encode(options.stdin ?? ""),
    stdinIsTTY: options.stdin === undefined,
    readFile: async (path) => {
      const file = options.files?.[path];
      if (file === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return encode(file);
    },
    env: { CODEMODE_TOKEN: "test-token-0123456789", ...options.env },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    sleeps,
    out: () => new TextDecoder().decode(concat(out)),
    outBytes: () => concat(out),
    err: () => err.join(""),
  };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const total = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    total.set(c, at);
    at += c.length;
  }
  return total;
}

export interface RecordedCall {
  name: string;
  args: Record<string, unknown>;
  options: CallOptions | undefined;
}

type Handler = (args: Record<string, unknown>) => ToolResult | Record<string, unknown>;

export interface FakeServer {
  /** Answers for each tool; a plain object is sent as structuredContent. */
  handlers: Record<string, Handler>;
  calls: RecordedCall[];
  configs: CliConfig[];
  closed: number;
  connect: (config: CliConfig) => Promise<ToolClient>;
}

export function fakeServer(handlers: Record<string, Handler> = {}): FakeServer {
  const server: FakeServer = {
    handlers,
    calls: [],
    configs: [],
    closed: 0,
    connect: async (config) => {
      server.configs.push(config);
      return {
        callTool: async (name, args, options) => {
          server.calls.push({ name, args, options });
          const handler = server.handlers[name];
          if (!handler)
            return {
              isError: true,
              content: [{ type: "text", text: `MCP error -32602: Tool ${name} not found` }],
            };
          const answer = handler(args);
          return isToolResult(answer) ? answer : { structuredContent: answer, content: [] };
        },
        close: async () => {
          server.closed++;
        },
      };
    },
  };
  return server;
}

function isToolResult(value: ToolResult | Record<string, unknown>): value is ToolResult {
  return "isError" in value || "structuredContent" in value;
}

export function toolError(text: string): ToolResult {
  return { isError: true, content: [{ type: "text", text }] };
}

export function context(io: FakeIo, server: FakeServer): Context {
  return { io, connect: server.connect };
}

/** A run result as execute_code / run_file send it. */
export function runResult(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    success: true,
    stdout: "",
    stderr: "",
    exit_code: null,
    duration_ms: 12,
    truncated: { stdout: false, stderr: false },
    full_output: {},
    diagnostics: null,
    images: 0,
    context_reset: false,
    ...overrides,
  };
}

/** A task as task tools send it (TaskView, plus TaskStatus's fields). */
export function task(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    task_id: "t1",
    name: null,
    state: "running",
    origin: "start_task",
    language: null,
    command: "echo hi",
    parent_task_id: null,
    resumed_from: null,
    metadata: null,
    exit_code: null,
    reason: null,
    timeout_seconds: 3600,
    created_at: "2026-01-01T00:00:00.000Z",
    started_at: "2026-01-01T00:00:00.100Z",
    ended_at: null,
    updated_at: "2026-01-01T00:00:00.100Z",
    duration_ms: 100,
    log: { lines: 0, stored_bytes: 0, dropped_lines: 0 },
    tail: [],
    children: {
      total: 0,
      queued: 0,
      running: 0,
      completed: 0,
      failed: 0,
      cancelled: 0,
      timed_out: 0,
      lost: 0,
    },
    workspace: "demo",
    events_path: "/tasks/t1/events?workspace=demo",
    ...overrides,
  };
}

/** One task_logs page. */
export function logPage(
  lines: Array<[n: number, stream: "stdout" | "stderr", text: string]>,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const last = lines.at(-1);
  return {
    task_id: "t1",
    state: "running",
    offset: lines[0]?.[0] ?? 0,
    next_offset: last ? last[0] + 1 : 0,
    lines: lines.map(([n, stream, text]) => ({ n, stream, text })),
    dropped: null,
    more: false,
    complete: false,
    ...overrides,
  };
}
