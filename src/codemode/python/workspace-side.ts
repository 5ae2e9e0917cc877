/**
 * The workspace Durable Object's side of code mode for sandboxed programs: opens and
 * closes runs, and executes the calls their `codemode` module makes. It lives in the
 * workspace (not the MCP session) because the workspace outlives sessions and is the
 * one object every channel can name by id; calls are logged as they happen. It also
 * keeps the call log of JavaScript runs, which the session records after each run.
 */
import type { Config } from "../../config/config.ts";
import { asAppError } from "../../errors/app-error.ts";
import {
  appendCalls,
  type CallLogEntry,
  type CallLogRow,
  callsOfRun,
  migrateCallLog,
  recentCalls,
} from "../call-log.ts";
import { CallRecorder, type CodemodeCall } from "../calls.ts";
import { UpstreamManager } from "../upstreams.ts";
import { migrateRuns, RunRegistry } from "./runs.ts";
import type { OpenedRun, OpenRunOptions } from "./types.ts";
import { type CallbackReply, CallbackRequest } from "./wire.ts";

/** Calls are accepted this long past the run's own timeout (slow starts, clock skew). */
const DEADLINE_GRACE_MS = 60_000;

export class WorkspaceCodemode {
  readonly #sql: SqlStorage;
  readonly #runs: RunRegistry;
  readonly #upstreams: UpstreamManager;

  constructor(sql: SqlStorage, env: object, config: Config) {
    this.#sql = sql;
    migrateRuns(sql);
    this.#runs = new RunRegistry(sql);
    this.#upstreams = new UpstreamManager(config.UPSTREAM_MCP_SERVERS, {
      env: env as Record<string, unknown>,
    });
  }

  /** Creates the call log and run tables (idempotent). */
  static migrate(sql: SqlStorage): void {
    migrateCallLog(sql);
    migrateRuns(sql);
  }

  /** Appends one finished run's upstream calls to the call log (JavaScript runs). */
  recordCalls(entry: CallLogEntry): void {
    appendCalls(this.#sql, entry);
  }

  /** The newest logged calls first, at most `limit` (1–1000). */
  recentCalls(limit = 100): CallLogRow[] {
    return recentCalls(this.#sql, Math.min(Math.max(1, limit), 1000));
  }

  async openRun(options: OpenRunOptions): Promise<OpenedRun> {
    const { tools } = await this.#upstreams.catalog();
    const run = await this.#runs.open(Date.now() + options.timeoutMs + DEADLINE_GRACE_MS, options.sandboxId);
    return { ...run, tools };
  }

  /** Executes one call of a run's program; never throws, the reply carries failures. */
  async call(runId: string, token: string, body: unknown, sandboxId?: string): Promise<CallbackReply> {
    const check = await this.#runs.check(runId, token, sandboxId);
    if (check === "ended") {
      return { ok: false, code: "RUN_ENDED", error: "This code-mode run has ended; calls are refused." };
    }
    if (check !== "ok") return { ok: false, code: "UNAUTHORIZED", error: "Not a valid code-mode run." };
    const parsed = CallbackRequest.safeParse(body);
    if (!parsed.success) return { ok: false, code: "INVALID_ARGUMENT", error: "Malformed code-mode call." };
    const { server, tool, input } = parsed.data;
    const recorder = new CallRecorder();
    try {
      const value = await recorder.record(`${server}.${tool}`, input, () =>
        this.#upstreams.call(server, tool, input),
      );
      return { ok: true, value: value ?? null };
    } catch (error) {
      const known = asAppError(error);
      return { ok: false, code: known?.code ?? "INTERNAL", error: known?.message ?? "The call failed." };
    } finally {
      appendCalls(this.#sql, { runId, language: "python", calls: recorder.calls });
    }
  }

  /** Ends a run (later calls are refused) and returns the calls it made. */
  closeRun(runId: string): CodemodeCall[] {
    this.#runs.close(runId);
    return callsOfRun(this.#sql, runId);
  }
}
