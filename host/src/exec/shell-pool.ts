/**
 * Warm bash runs: one sandbox per workspace with a small runner in it
 * (drivers/shell_driver.py) that forks `bash -c` for each run, so a warm run costs a
 * fork and an exec instead of a new sandbox (prlimit, bwrap, namespaces).
 *
 * A run must behave as on a one-shot sandbox: nothing it started outlives it (the
 * runner kills every other process in its PID namespace after each run), a timeout
 * kills the runner's whole process tree, and anything odd (a kill, a memory-limit
 * death, leftovers that kept forking, a runner that could not fork at all) costs the
 * runner: it is dropped with its tree and the next run starts a fresh one. A
 * workspace whose runner is busy (concurrent runs), or whose runner could not start or
 * fork the run, gets a one-shot sandbox instead: `tryRun` answers null.
 */
import type { ExecRequest } from "../../../src/shared/host-api.ts";
import type { ExecOutcome } from "../../../src/shared/sandbox-schema.ts";
import { type ContextDeps, ReplContext } from "../contexts/repl-context.ts";
import type { DiskQuota } from "../workspace/quota.ts";

interface Runner {
  ctx: ReplContext | null;
  busy: boolean;
  lastUsed: number;
}

export interface ShellPoolOptions extends ContextDeps {
  quota: DiskQuota;
  memoryBytes: number;
  cpuSeconds: number;
  idleMs: number;
}

export class ShellPool {
  readonly #opts: ShellPoolOptions;
  readonly #runners = new Map<string, Runner>();
  readonly #reaper: NodeJS.Timeout;

  constructor(options: ShellPoolOptions) {
    this.#opts = options;
    this.#reaper = setInterval(() => void this.#reapIdle(), Math.min(60_000, options.idleMs)).unref();
  }

  /** Runs `req` on the workspace's warm runner; null when the caller must run it one-shot. */
  async tryRun(wsDir: string, cwd: string, req: ExecRequest, runId: string): Promise<ExecOutcome | null> {
    let runner = this.#runners.get(wsDir);
    if (!runner) {
      runner = { ctx: null, busy: false, lastUsed: Date.now() };
      this.#runners.set(wsDir, runner);
    }
    if (runner.busy) return null;
    runner.busy = true;
    const started = performance.now();
    try {
      if (!runner.ctx?.alive) {
        await this.#drop(runner);
        // A runner that cannot start (e.g. the uid's process limit is reached) is no
        // reason to fail the run: it goes one-shot and reports its own outcome.
        runner.ctx = await ReplContext.start(this.#opts, wsDir, "shell", this.#opts.memoryBytes).catch(
          () => null,
        );
        if (!runner.ctx) return null;
      }
      const ctx = runner.ctx;
      const request = { code: req.command, cwd, env: req.env ?? {}, cpu_seconds: this.#opts.cpuSeconds };
      const unwatch = this.#opts.quota.watch(wsDir, () => void ctx.dispose());
      const r = await ctx.run(request, req.timeoutMs, req.outputLimitBytes, runId).finally(unwatch);
      let terminated = r.terminated;
      const response = r.response;
      // A run killed by SIGKILL that nobody here sent: the memory limit, most likely.
      if (!terminated && response?.signal === 9 && (await ctx.oomKilled())) terminated = "memory";
      const odd = terminated || !ctx.alive || response?.ok !== true || response.signal === 9;
      if (odd || response?.clean === false) await this.#drop(runner);
      // Nothing of the run happened: the caller runs it in a sandbox of its own.
      if (response?.spawn_failed === true) return null;
      // The runner died under the run: report it as killed, not as a made-up status.
      if (!terminated && response?.ok !== true) terminated = "killed";
      return {
        exitCode: terminated ? null : (response?.exit_code ?? null),
        stdout: r.stdout.text,
        stderr: r.stderr.text,
        truncated: { stdout: r.stdout.truncated, stderr: r.stderr.truncated },
        fullOutput: {
          ...(r.stdout.fullOutput ? { stdout: r.stdout.fullOutput } : {}),
          ...(r.stderr.fullOutput ? { stderr: r.stderr.fullOutput } : {}),
        },
        ...(terminated ? { terminated } : {}),
        durationMs: Math.round(performance.now() - started),
      };
    } finally {
      runner.busy = false;
      runner.lastUsed = Date.now();
    }
  }

  async #drop(runner: Runner): Promise<void> {
    const ctx = runner.ctx;
    runner.ctx = null;
    if (!ctx) return;
    await ctx.dispose();
    await ctx.removeFiles();
  }

  async #reapIdle(): Promise<void> {
    const now = Date.now();
    for (const runner of this.#runners.values()) {
      if (runner.ctx && !runner.busy && now - runner.lastUsed >= this.#opts.idleMs) await this.#drop(runner);
    }
  }

  /** Stops the runner of workspace `wsDir` unless it is running a command. */
  async release(wsDir: string): Promise<void> {
    const runner = this.#runners.get(wsDir);
    if (runner && !runner.busy) await this.#drop(runner);
  }

  /** The workspace has a live runner. */
  live(wsDir: string): boolean {
    return this.#runners.get(wsDir)?.ctx?.alive === true;
  }

  /** Stops the runner of one workspace (or all, without `wsDir`). */
  async dispose(wsDir?: string): Promise<void> {
    if (wsDir === undefined) clearInterval(this.#reaper);
    const jobs: Promise<void>[] = [];
    for (const [key, runner] of this.#runners) {
      if (wsDir !== undefined && key !== wsDir) continue;
      this.#runners.delete(key);
      jobs.push(this.#drop(runner));
    }
    await Promise.all(jobs);
  }
}
