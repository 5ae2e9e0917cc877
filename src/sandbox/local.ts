/**
 * `SandboxBackend` over HTTP to the local sandbox host (`host/`, started by `npm start`).
 * Uses only `fetch`, so it runs in workerd as well as in Node. Wire shapes are the zod
 * schemas of `src/shared/host-api.ts`; host errors come back as `AppError`s.
 */
import { AppError } from "../errors/app-error.ts";
import {
  type ExecRequest,
  GetProcessResponse,
  HostError,
  ListResponse,
  LiveSandboxesResponse,
  ProcessLogsResponse,
  type RunCodeRequest,
  type StartProcessRequest,
  StatResponse,
} from "../shared/host-api.ts";
import { ExecOutcome, ProcessInfo, RunCodeOutcome } from "../shared/sandbox-schema.ts";
import type {
  ExecOptions,
  FileEntry,
  FileStat,
  Language,
  ProcessLogs,
  RunCodeOptions,
  SandboxBackend,
  StartProcessOptions,
  WorkspaceRef,
} from "./backend.ts";
import { localDurability } from "./durability.ts";

export interface LocalSandboxBackendOptions {
  /** Base URL of the host, e.g. `http://127.0.0.1:8788`. */
  url: string;
  /** The host's `SANDBOX_HOST_SECRET`. */
  secret: string;
  fetch?: typeof fetch;
}

/** Extra time granted to a request beyond the sandbox timeout it carries. */
const REQUEST_SLACK_MS = 30_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

interface Parser<T> {
  parse(value: unknown): T;
}

export class LocalSandboxBackend implements SandboxBackend {
  readonly kind = "local" as const;
  readonly durability = localDurability();
  readonly #base: string;
  readonly #secret: string;
  readonly #fetch: typeof fetch;

  constructor(options: LocalSandboxBackendOptions) {
    this.#base = options.url.replace(/\/+$/, "");
    this.#secret = options.secret;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async exec(ws: WorkspaceRef, command: string, options: ExecOptions): Promise<ExecOutcome> {
    const body: ExecRequest = {
      command,
      timeoutMs: options.timeoutMs,
      outputLimitBytes: options.outputLimitBytes,
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
      ...(options.env !== undefined ? { env: options.env } : {}),
    };
    const res = await this.#request(ws, "POST", "exec", { json: body, timeoutMs: options.timeoutMs });
    return this.#json(res, ExecOutcome);
  }

  async runCode(
    ws: WorkspaceRef,
    code: string,
    language: Exclude<Language, "bash">,
    options: RunCodeOptions,
  ): Promise<RunCodeOutcome> {
    const body: RunCodeRequest = {
      code,
      language,
      timeoutMs: options.timeoutMs,
      outputLimitBytes: options.outputLimitBytes,
      ...(options.resetContext !== undefined ? { resetContext: options.resetContext } : {}),
      ...(options.env !== undefined ? { env: options.env } : {}),
      ...(options.codemode !== undefined ? { codemode: options.codemode } : {}),
    };
    const res = await this.#request(ws, "POST", "run", { json: body, timeoutMs: options.timeoutMs });
    return this.#json(res, RunCodeOutcome);
  }

  async readFile(ws: WorkspaceRef, path: string): Promise<Uint8Array> {
    const res = await this.#request(ws, "GET", "files", { query: { path } });
    return new Uint8Array(await res.arrayBuffer());
  }

  async writeFile(ws: WorkspaceRef, path: string, data: Uint8Array): Promise<void> {
    const res = await this.#request(ws, "PUT", "files", { query: { path }, bytes: data });
    await res.body?.cancel();
  }

  async listFiles(ws: WorkspaceRef, path: string, recursive: boolean): Promise<FileEntry[]> {
    const res = await this.#request(ws, "GET", "list", { query: { path, recursive: String(recursive) } });
    return (await this.#json(res, ListResponse)).entries;
  }

  async deleteFile(ws: WorkspaceRef, path: string): Promise<void> {
    const res = await this.#request(ws, "DELETE", "files", { query: { path } });
    await res.body?.cancel();
  }

  async mkdir(ws: WorkspaceRef, path: string): Promise<void> {
    const res = await this.#request(ws, "POST", "mkdir", { json: { path } });
    await res.body?.cancel();
  }

  async stat(ws: WorkspaceRef, path: string): Promise<FileStat | null> {
    const res = await this.#request(ws, "GET", "stat", { query: { path } });
    return (await this.#json(res, StatResponse)).stat;
  }

  async startProcess(ws: WorkspaceRef, command: string, options: StartProcessOptions): Promise<ProcessInfo> {
    const body: StartProcessRequest = {
      command,
      timeoutMs: options.timeoutMs,
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
      ...(options.env !== undefined ? { env: options.env } : {}),
    };
    const res = await this.#request(ws, "POST", "processes", { json: body });
    return this.#json(res, ProcessInfo);
  }

  async getProcess(ws: WorkspaceRef, id: string): Promise<ProcessInfo | null> {
    const res = await this.#request(ws, "GET", `processes/${encodeURIComponent(id)}`, {});
    return (await this.#json(res, GetProcessResponse)).process;
  }

  async processLogs(
    ws: WorkspaceRef,
    id: string,
    range: { stdoutOffset: number; stderrOffset: number; limit: number },
  ): Promise<ProcessLogs | null> {
    const query = {
      stdoutOffset: String(range.stdoutOffset),
      stderrOffset: String(range.stderrOffset),
      limit: String(range.limit),
    };
    const res = await this.#request(ws, "GET", `processes/${encodeURIComponent(id)}/logs`, { query });
    return (await this.#json(res, ProcessLogsResponse)).logs;
  }

  async killProcess(ws: WorkspaceRef, id: string): Promise<void> {
    const res = await this.#request(ws, "POST", `processes/${encodeURIComponent(id)}/kill`, {});
    await res.body?.cancel();
  }

  async reset(ws: WorkspaceRef): Promise<void> {
    const res = await this.#request(ws, "POST", "reset", {});
    await res.body?.cancel();
  }

  async release(ws: WorkspaceRef): Promise<void> {
    const res = await this.#request(ws, "POST", "release", {});
    await res.body?.cancel();
  }

  /** The workspace's long-lived sandboxes on the host (for tests and diagnostics). */
  async liveSandboxes(ws: WorkspaceRef): Promise<LiveSandboxesResponse> {
    const res = await this.#request(ws, "GET", "sandboxes", {});
    return this.#json(res, LiveSandboxesResponse);
  }

  async #request(
    ws: WorkspaceRef,
    method: string,
    action: string,
    opts: { query?: Record<string, string>; json?: unknown; bytes?: Uint8Array; timeoutMs?: number },
  ): Promise<Response> {
    const qs = opts.query ? `?${new URLSearchParams(opts.query).toString()}` : "";
    const url = `${this.#base}/v1/workspaces/${encodeURIComponent(ws.id)}/${action}${qs}`;
    const headers: Record<string, string> = { authorization: `Bearer ${this.#secret}` };
    let body: BodyInit | undefined;
    if (opts.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(opts.json);
    } else if (opts.bytes !== undefined) {
      headers["content-type"] = "application/octet-stream";
      // A plain ArrayBuffer view satisfies both the Workers and the DOM typings of BodyInit.
      body = new Uint8Array(opts.bytes);
    }
    const timeout = (opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) + REQUEST_SLACK_MS;
    let res: Response;
    try {
      res = await this.#fetch(url, { method, headers, body, signal: AbortSignal.timeout(timeout) });
    } catch (cause) {
      throw new AppError("SANDBOX_UNAVAILABLE", `the local sandbox host at ${this.#base} is not reachable`, {
        suggestion: "Start it with `npm start` (it runs the sandbox host next to the Worker), then retry.",
        cause,
      });
    }
    if (!res.ok) throw await this.#error(res);
    return res;
  }

  async #error(res: Response): Promise<AppError> {
    const text = await res.text().catch(() => "");
    let parsed: HostError | undefined;
    try {
      const r = HostError.safeParse(JSON.parse(text));
      if (r.success) parsed = r.data;
    } catch {
      // not JSON: fall through
    }
    if (parsed) {
      return new AppError(
        parsed.code,
        parsed.message,
        parsed.suggestion ? { suggestion: parsed.suggestion } : {},
      );
    }
    return new AppError(
      "SANDBOX_UNAVAILABLE",
      `the local sandbox host at ${this.#base} answered HTTP ${res.status}`,
      {
        suggestion: "Check that SANDBOX_HOST_URL points at the sandbox host started by `npm start`.",
      },
    );
  }

  async #json<T>(res: Response, schema: Parser<T>): Promise<T> {
    try {
      return schema.parse(await res.json());
    } catch (cause) {
      throw new AppError("INTERNAL", `unexpected response from the sandbox host at ${this.#base}`, {
        suggestion: "The host and the Worker may be from different versions; restart `npm start`.",
        cause,
      });
    }
  }
}
