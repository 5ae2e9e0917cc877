/**
 * Code mode as the tools see it: discovery (`searchTools`, `describeTool`) and
 * running JavaScript/TypeScript against the upstream tools (`runJavaScript`).
 * Built once per MCP session (see src/worker/session-agent.ts) and handed to tools
 * through `ToolDeps.codemode`.
 */
import { AppError, asAppError } from "../errors/app-error.ts";
import type { ErrorCode } from "../errors/codes.ts";
import type { Language, RunCodeOptions, RunCodeOutcome } from "../sandbox/backend.ts";
import { CallRecorder, type CodemodeCall } from "./calls.ts";
import { declarationsFor } from "./declarations.ts";
import { runInIsolate } from "./isolate.ts";
import { type PythonRunDeps, type PythonRunResult, runPythonWithCodemode } from "./python/run-python.ts";
import { rankTools } from "./search.ts";
import type { ServerStatus } from "./status.ts";
import { stripTypes } from "./typescript.ts";
import type { UpstreamManager, UpstreamTool } from "./upstreams.ts";

export interface ToolMatch {
  name: string;
  upstreamName: string;
  description: string;
  hasOutputSchema: boolean;
}

export interface SearchToolsResult {
  matches: ToolMatch[];
  /** TypeScript declarations of the matches only. */
  declarations: string;
  totalTools: number;
  servers: ServerStatus[];
}

export interface DescribeToolResult extends ToolMatch {
  server: string;
  title?: string;
  declaration: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
}

export interface RunJavaScriptOptions {
  language: "javascript" | "typescript";
  timeoutMs: number;
  /** Cap for the captured console output, in bytes (head and tail kept). */
  outputLimitBytes?: number;
}

export interface CodemodeRunResult {
  /** false when the program threw, timed out or failed to parse. */
  success: boolean;
  /** The program's return value, made JSON-safe (undefined becomes null). */
  result: unknown;
  /** Captured console lines (`[warn] `/`[error] ` prefixed), capped. */
  logs: string[];
  logsTruncated: boolean;
  error?: string;
  /** `TIMED_OUT` when the run was stopped at its timeout (never derived from the message). */
  errorCode?: ErrorCode;
  /** Every upstream call the program made, in order. */
  calls: CodemodeCall[];
  durationMs: number;
}

/** What `execute` returns: a sandbox-shaped outcome plus the upstream calls. */
export interface CodemodeExecution {
  outcome: RunCodeOutcome;
  calls: CodemodeCall[];
  /** JavaScript/TypeScript only: the returned value itself (JSON-safe); `outcome.result` is its JSON text. */
  value?: unknown;
}

/** Persists a run's calls (the workspace Durable Object's call log). */
export type CallLogSink = (entry: {
  runId: string;
  language: string;
  calls: CodemodeCall[];
}) => Promise<void>;

export interface CodemodeServiceOptions {
  upstreams: UpstreamManager;
  loader: WorkerLoader;
  logCalls?: CallLogSink;
  /** What Python runs need; without it `runPython` is unavailable. */
  python?: PythonRunDeps;
}

const DEFAULT_OUTPUT_LIMIT = 65_536;

function toMatch(tool: UpstreamTool): ToolMatch {
  return {
    name: tool.qualifiedName,
    upstreamName: tool.upstreamName,
    description: tool.description,
    hasOutputSchema: tool.outputSchema !== undefined,
  };
}

function jsonSafe(value: unknown): unknown {
  if (value === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(value) ?? "null");
  } catch {
    return String(value);
  }
}

/** Keeps whole lines from the head and the tail within `limit` bytes. */
export function capLines(lines: string[], limit: number): { lines: string[]; truncated: boolean } {
  const size = (l: string) => new TextEncoder().encode(l).byteLength + 1;
  const total = lines.reduce((n, l) => n + size(l), 0);
  if (total <= limit) return { lines, truncated: false };
  const head: string[] = [];
  const tail: string[] = [];
  let budget = Math.floor(limit / 2);
  for (const l of lines) {
    if (size(l) > budget) break;
    budget -= size(l);
    head.push(l);
  }
  budget = Math.floor(limit / 2);
  for (let i = lines.length - 1; i >= head.length; i--) {
    const l = lines[i] ?? "";
    if (size(l) > budget) break;
    budget -= size(l);
    tail.unshift(l);
  }
  const dropped = lines.length - head.length - tail.length;
  return { lines: [...head, `… ${dropped} log lines omitted …`, ...tail], truncated: true };
}

export class CodemodeService {
  readonly upstreams: UpstreamManager;
  readonly #loader: WorkerLoader;
  readonly #logCalls: CallLogSink | undefined;
  readonly #python: PythonRunDeps | undefined;

  constructor(options: CodemodeServiceOptions) {
    this.upstreams = options.upstreams;
    this.#loader = options.loader;
    this.#logCalls = options.logCalls;
    this.#python = options.python;
  }

  async searchTools(query: string, limit: number): Promise<SearchToolsResult> {
    const { tools, servers } = await this.upstreams.catalog();
    const ranked = query.trim() === "" ? tools.map((tool) => ({ tool })) : rankTools(query, tools);
    const picked = ranked.slice(0, limit).map((r) => r.tool);
    return {
      matches: picked.map(toMatch),
      declarations: declarationsFor(picked),
      totalTools: tools.length,
      servers,
    };
  }

  async describeTool(name: string): Promise<DescribeToolResult> {
    const tool = await this.upstreams.find(name);
    const out: DescribeToolResult = {
      ...toMatch(tool),
      server: tool.server,
      declaration: declarationsFor([tool]),
      inputSchema: tool.inputSchema,
    };
    if (tool.title) out.title = tool.title;
    if (tool.outputSchema) out.outputSchema = tool.outputSchema;
    return out;
  }

  /**
   * Runs a program with `codemode.<server>.<tool>(input)` available. Never throws for
   * program failures (syntax errors, exceptions, timeouts): they come back with
   * `success: false`. Calls are logged to the workspace before this resolves.
   */
  async runJavaScript(code: string, options: RunJavaScriptOptions): Promise<CodemodeRunResult> {
    const started = Date.now();
    const recorder = new CallRecorder();
    let source = code;
    if (options.language === "typescript") {
      try {
        source = stripTypes(code);
      } catch (error) {
        const known = asAppError(error);
        return this.#finish(recorder, started, options, { error: known?.message ?? String(error), logs: [] });
      }
    }
    const outcome = await runInIsolate(source, {
      loader: this.#loader,
      servers: this.upstreams.serverNames,
      timeoutMs: options.timeoutMs,
      call: (server, tool, input) =>
        recorder.record(`${server}.${tool}`, input, () => this.upstreams.call(server, tool, input)),
    });
    return this.#finish(recorder, started, options, {
      result: outcome.result,
      logs: outcome.logs ?? [],
      ...(outcome.error === undefined ? {} : { error: outcome.error }),
      ...(outcome.errorCode === undefined ? {} : { errorCode: outcome.errorCode }),
    });
  }

  /**
   * Runs Python in the workspace sandbox with `codemode` importable (and bound as a
   * global). Returns the backend's outcome unchanged (user-code failures are results)
   * and the upstream calls the program made. The calls are already in the workspace's
   * call log. Throws only for infrastructure faults, like `SandboxBackend.runCode`.
   */
  async runPython(code: string, options: RunCodeOptions): Promise<PythonRunResult> {
    if (!this.#python) throw new AppError("INTERNAL", "Python code mode is not set up for this session.");
    return runPythonWithCodemode(this.#python, code, options);
  }

  /**
   * One entry point for execute_code: JavaScript/TypeScript run in a Worker Loader
   * isolate, Python in the workspace sandbox with the `codemode` module. The isolate's
   * result is mapped onto the sandbox's `RunCodeOutcome` (console → stdout, the returned
   * value as JSON text in `result`, `TIMED_OUT` → `terminated: "timeout"`), so callers
   * shape both the same way.
   */
  async execute(
    language: Exclude<Language, "bash">,
    code: string,
    options: RunCodeOptions,
  ): Promise<CodemodeExecution> {
    if (language === "python") return this.runPython(code, options);
    const run = await this.runJavaScript(code, {
      language,
      timeoutMs: options.timeoutMs,
      outputLimitBytes: options.outputLimitBytes,
    });
    const outcome: RunCodeOutcome = {
      success: run.success,
      stdout: run.logs.join("\n"),
      stderr: "",
      truncated: { stdout: run.logsTruncated, stderr: false },
      fullOutput: {},
      images: [],
      contextReset: false,
      durationMs: run.durationMs,
    };
    if (run.success) outcome.result = JSON.stringify(run.result);
    if (run.error !== undefined) {
      outcome.error = { name: "Error", message: run.error, traceback: [] };
      if (run.errorCode === "TIMED_OUT") outcome.terminated = "timeout";
    }
    return { outcome, calls: run.calls, ...(run.success ? { value: run.result } : {}) };
  }

  /** Records a finished run's calls in the workspace; logging problems never fail the run. */
  async logRun(language: string, calls: CodemodeCall[]): Promise<void> {
    if (!this.#logCalls || calls.length === 0) return;
    try {
      await this.#logCalls({ runId: crypto.randomUUID(), language, calls });
    } catch (error) {
      console.warn("codemode: could not write the call log", asAppError(error)?.message ?? error);
    }
  }

  async #finish(
    recorder: CallRecorder,
    started: number,
    options: RunJavaScriptOptions,
    outcome: { result?: unknown; logs: string[]; error?: string; errorCode?: ErrorCode },
  ): Promise<CodemodeRunResult> {
    const capped = capLines(outcome.logs, options.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT);
    await this.logRun(options.language, recorder.calls);
    const out: CodemodeRunResult = {
      success: outcome.error === undefined,
      result: outcome.error === undefined ? jsonSafe(outcome.result) : null,
      logs: capped.lines,
      logsTruncated: capped.truncated,
      calls: recorder.calls,
      durationMs: Date.now() - started,
    };
    if (outcome.error !== undefined) out.error = outcome.error;
    if (outcome.errorCode !== undefined) out.errorCode = outcome.errorCode;
    return out;
  }
}
