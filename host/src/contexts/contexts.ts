/**
 * The persistent code contexts of all workspaces: one REPL driver per (workspace,
 * language), created on first use, recreated (with `contextReset: true`) after it was
 * lost to a timeout, crash or limit. Runs on one context are serialised.
 */
import { existsSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { RunCodeRequest } from "../../../src/shared/host-api.ts";
import type { CodeError, RunCodeOutcome } from "../../../src/shared/sandbox-schema.ts";
import { newRunId } from "../exec/exec.ts";
import type { DiskQuota } from "../workspace/quota.ts";
import { prepareJs, stripTypes } from "./js-prepare.ts";
import { type ContextDeps, type ContextLanguage, ReplContext } from "./repl-context.ts";

interface Slot {
  ctx: ReplContext | null;
  /** The previous context died on its own (or was killed by a timeout). */
  lost: boolean;
  queue: Promise<unknown>;
  /** Removed by a reset; runs still queued on it go to a fresh slot. */
  closed: boolean;
  lastUsed: number;
  busy: boolean;
}

export interface ContextsOptions extends ContextDeps {
  quota: DiskQuota;
  /**
   * Host-private directory of "a context was alive" markers. They outlive the host, so
   * the first run after a restart reports `contextReset: true` when state was lost.
   */
  markerDir: string;
  memoryBytes: number;
  /** Idle contexts are stopped after this long (the next run reports `contextReset`). */
  idleMs: number;
}

export class Contexts {
  readonly #opts: ContextsOptions;
  readonly #slots = new Map<string, Slot>();

  readonly #reaper: NodeJS.Timeout;

  constructor(options: ContextsOptions) {
    this.#opts = options;
    this.#reaper = setInterval(() => void this.#reapIdle(), Math.min(60_000, options.idleMs)).unref();
  }

  async #reapIdle(): Promise<void> {
    const now = Date.now();
    for (const slot of this.#slots.values()) {
      const ctx = slot.ctx;
      if (!ctx || slot.busy || now - slot.lastUsed < this.#opts.idleMs) continue;
      slot.ctx = null;
      slot.lost = true;
      await ctx.dispose();
      await ctx.removeFiles();
    }
  }

  run(ws: string, wsDir: string, req: RunCodeRequest): Promise<RunCodeOutcome> {
    const language: ContextLanguage = req.language === "python" ? "python" : "javascript";
    const key = `${ws}\0${language}`;
    let slot = this.#slots.get(key);
    if (!slot) {
      slot = {
        ctx: null,
        // a context of an earlier host process died with it
        lost: existsSync(this.#marker(wsDir, language)),
        queue: Promise.resolve(),
        closed: false,
        lastUsed: Date.now(),
        busy: false,
      };
      this.#slots.set(key, slot);
    }
    const s = slot;
    const result = s.queue.then(async () => {
      s.busy = true;
      try {
        return await this.#runInSlot(s, ws, wsDir, language, req);
      } finally {
        s.busy = false;
        s.lastUsed = Date.now();
      }
    });
    s.queue = result.catch(() => undefined);
    return result;
  }

  async #runInSlot(
    slot: Slot,
    ws: string,
    wsDir: string,
    language: ContextLanguage,
    req: RunCodeRequest,
  ): Promise<RunCodeOutcome> {
    if (slot.closed) return this.run(ws, wsDir, req);
    const started = performance.now();
    const runId = newRunId();
    let prepared: Promise<object> = Promise.resolve({ code: req.code, env: req.env ?? {} });
    if (language === "javascript") {
      const js = req.language === "typescript" ? stripTypes(req.code) : req.code;
      if (typeof js !== "string") return failure(js, started);
      // parse while a cold context starts; the parser loads lazily on first use
      prepared = prepareJs(js).then((p) => ({ ...p, env: req.env ?? {} }));
      prepared.catch(() => undefined);
    }

    if (req.resetContext && slot.ctx) {
      await slot.ctx.dispose();
      await slot.ctx.removeFiles();
      slot.ctx = null;
    }
    let contextReset = false;
    let ctx = slot.ctx;
    if (!ctx?.alive) {
      if (slot.ctx) {
        slot.lost = true;
        await slot.ctx.dispose();
        await slot.ctx.removeFiles();
      }
      contextReset = slot.lost;
      slot.lost = false;
      const o = this.#opts;
      const deps: ContextDeps = {
        sandboxer: o.sandboxer,
        pythonPath: o.pythonPath,
        captureDir: o.captureDir,
        files: o.files,
      };
      const fresh = await ReplContext.start(deps, wsDir, language, o.memoryBytes);
      if (slot.closed) {
        await fresh.dispose();
        await fresh.removeFiles();
        return this.run(ws, wsDir, req);
      }
      slot.ctx = fresh;
      ctx = fresh;
      await writeFile(this.#marker(wsDir, language), "");
    }
    slot.lastUsed = Date.now();
    const running = ctx;
    const unwatch = this.#opts.quota.watch(wsDir, () => void running.dispose());
    const r = await ctx.run(await prepared, req.timeoutMs, req.outputLimitBytes, runId).finally(unwatch);
    if (r.terminated) {
      slot.lost = true;
      slot.ctx = null;
    }
    const response = r.response;
    await this.#opts.quota.assertWithin(wsDir, "the run was stopped or its result is not returned");
    return {
      success: response?.ok === true,
      stdout: r.stdout.text,
      stderr: r.stderr.text,
      truncated: { stdout: r.stdout.truncated, stderr: r.stderr.truncated },
      fullOutput: {
        ...(r.stdout.fullOutput ? { stdout: r.stdout.fullOutput } : {}),
        ...(r.stderr.fullOutput ? { stderr: r.stderr.fullOutput } : {}),
      },
      ...(response?.error ? { error: capError(response.error, req.outputLimitBytes) } : {}),
      ...(response?.result !== undefined ? { result: capResult(response.result, req.outputLimitBytes) } : {}),
      images: response?.images ?? [],
      ...(r.terminated ? { terminated: r.terminated } : {}),
      contextReset,
      durationMs: Math.round(performance.now() - started),
    };
  }

  #marker(wsDir: string, language: ContextLanguage): string {
    return join(this.#opts.markerDir, `${basename(wsDir)}.${language}`);
  }

  /** Forgets that workspace `wsDir` had contexts (after a deliberate reset). */
  async forget(wsDir: string): Promise<void> {
    await Promise.all(
      (["python", "javascript"] as const).map((l) => rm(this.#marker(wsDir, l), { force: true })),
    );
  }

  /**
   * Stops the idle contexts of workspace `ws` (its last session went away); a context
   * that is running code keeps it and is left to the idle reaper. The next run reports
   * `contextReset: true`.
   */
  async release(ws: string): Promise<void> {
    const jobs: Promise<void>[] = [];
    for (const [key, slot] of this.#slots) {
      const ctx = slot.ctx;
      if (!key.startsWith(`${ws}\0`) || !ctx || slot.busy) continue;
      slot.ctx = null;
      slot.lost = true;
      jobs.push(ctx.dispose().then(() => ctx.removeFiles()));
    }
    await Promise.all(jobs);
  }

  /** Languages of workspace `ws` with a live context. */
  live(ws: string): string[] {
    const languages: string[] = [];
    for (const [key, slot] of this.#slots) {
      if (key.startsWith(`${ws}\0`) && slot.ctx?.alive) languages.push(key.slice(ws.length + 1));
    }
    return languages.sort();
  }

  /** Kills the contexts of one workspace (or all, without `ws`). */
  async dispose(ws?: string): Promise<void> {
    if (ws === undefined) clearInterval(this.#reaper);
    const jobs: Promise<void>[] = [];
    for (const [key, slot] of this.#slots) {
      if (ws !== undefined && !key.startsWith(`${ws}\0`)) continue;
      this.#slots.delete(key);
      slot.closed = true;
      const ctx = slot.ctx;
      // kill at once: a run in progress then ends with `terminated: "killed"`
      if (ctx) jobs.push(ctx.dispose().then(() => ctx.removeFiles()));
    }
    await Promise.all(jobs);
  }
}

function failure(error: RunCodeOutcome["error"] & object, started: number): RunCodeOutcome {
  return {
    success: false,
    stdout: "",
    stderr: "",
    truncated: { stdout: false, stderr: false },
    fullOutput: {},
    error,
    images: [],
    contextReset: false,
    durationMs: Math.round(performance.now() - started),
  };
}

/** A trailing expression's repr obeys the same budget as the streams (in characters). */
function capResult(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const half = Math.floor(limit / 2);
  return `${text.slice(0, half)}\n[... ${text.length - 2 * half} characters omitted ...]\n${text.slice(-half)}`;
}

/** Error name, message and traceback follow the same head+tail budget as the streams. */
function capError(error: CodeError, limit: number): CodeError {
  const traceback = error.traceback.join("\n");
  const cappedTraceback =
    traceback.length <= limit ? error.traceback : capResult(traceback, limit).split("\n");
  return {
    name: capResult(String(error.name), 256),
    message: capResult(String(error.message), limit),
    traceback: cappedTraceback,
  };
}
