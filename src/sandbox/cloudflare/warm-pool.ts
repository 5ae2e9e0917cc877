/**
 * The warm pool: a Durable Object (bound as `SANDBOX_POOL`, one instance named "pool")
 * that keeps up to `size` Sandbox containers started and idle, so a new workspace's first
 * call finds its container running instead of paying a cold start.
 *
 * A pooled sandbox has a random id (`p` + 32 hex chars) that no workspace has used. `claim`
 * removes one from the pool durably before returning it, and the workspace stores it as
 * its own sandbox id (the workspace row, src/workspace/record.ts): the pool never hands an
 * id out twice and never takes one back, so a container that served one workspace can
 * never reach another, of the same principal or not. An empty pool answers null and the
 * workspace uses its derived id (a cold start, as with no pool).
 *
 * The alarm refills the pool in the background and keeps the idle containers awake: each
 * round runs `true` in every pooled container (which also restarts one the platform
 * stopped) and starts new ones up to `size`. Pooled containers cost what running
 * containers cost; `size` 0 stops the alarm and lets the idle ones go.
 *
 * Why not the SDK's `WarmPool` (`@cloudflare/sandbox/bridge`): it maps a caller's id to a
 * pooled container only while that container runs and assigns another one after a sleep,
 * so a workspace would move to a new Sandbox Durable Object (losing its code-context
 * registry and its saves' key) at every wake-up; it also keeps that mapping in its own
 * storage rather than the workspace's, looks the namespace up by the binding name
 * "Sandbox", and starts containers without our SDK options (rpc transport, sleepAfter).
 * Here the workspace keeps the id it got for good, and the pool is a list of ids.
 *
 * Storage (KV API): "ready" — ids started and waiting; "starting" — ids being started
 * (after an eviction they are checked and kept like ready ones); "settings".
 */
import { DurableObject } from "cloudflare:workers";
import { CloudflareSandboxBackend } from "./backend.ts";
import type { Sandbox } from "./sandbox-do.ts";

export interface WarmPoolSettings {
  /** Idle containers to keep; 0 = no pool. */
  size: number;
  /** The workspaces' idle timeout, so the pool renews its containers well within it. */
  sleepAfterSeconds: number;
}

export interface WarmPoolEnv {
  SANDBOX: DurableObjectNamespace<Sandbox>;
}

export const WARM_POOL_NAME = "pool";
const START_TIMEOUT_MS = 120_000;
/** Containers started at once when filling (a burst of cold starts is throttled upstream). */
const BATCH = 4;

/** How often the pool looks at its containers: well within the idle timeout. */
export function renewEveryMs(sleepAfterSeconds: number): number {
  return Math.min(60_000, Math.max(2_000, Math.floor((sleepAfterSeconds * 1000) / 3)));
}

export function pooledSandboxId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `p${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export class SandboxPool extends DurableObject<WarmPoolEnv> {
  /** One idle container's sandbox id, or null when none is ready. Starts a refill. */
  async claim(settings: WarmPoolSettings): Promise<string | null> {
    await this.#configure(settings);
    const ready = await this.#list("ready");
    const id = ready.shift() ?? null;
    // Durably out of the pool before anyone sees it.
    if (id !== null) await this.ctx.storage.put("ready", ready);
    await this.ctx.storage.setAlarm(Date.now());
    return id;
  }

  override async alarm(): Promise<void> {
    const settings = await this.ctx.storage.get<WarmPoolSettings>("settings");
    if (!settings) return;
    const backend = new CloudflareSandboxBackend(this.env.SANDBOX, {
      sleepAfter: settings.sleepAfterSeconds,
    });
    // Renew the idle ones; ids an evicted instance left "starting" were never handed out
    // and are checked the same way.
    const orphans = await this.#list("starting");
    const checked = [...(await this.#list("ready")), ...orphans];
    const aliveAt = await Promise.all(checked.map((id) => this.#warm(backend, id)));
    const alive = new Set(checked.filter((_, i) => aliveAt[i]));
    // Claims may have taken ready ids meanwhile: keep only those still listed. Beyond
    // `size` (it was lowered), ids are dropped and their containers sleep when idle.
    const ready = [...(await this.#list("ready")), ...orphans]
      .filter((id) => alive.has(id))
      .slice(0, settings.size);
    await this.ctx.storage.put({ ready, starting: [] });
    while (ready.length < settings.size) {
      const batch = Array.from({ length: Math.min(BATCH, settings.size - ready.length) }, pooledSandboxId);
      await this.ctx.storage.put("starting", batch);
      const started = await Promise.all(batch.map((id) => this.#start(backend, id)));
      const now = (await this.#list("ready")).concat(batch.filter((_, i) => started[i]));
      await this.ctx.storage.put({ ready: now, starting: [] });
      ready.splice(0, ready.length, ...now);
      if (!started.some(Boolean)) break; // no container starts now; the next round retries
    }
    if (settings.size === 0) return;
    // A claim while this ran asked for an alarm now; this one would replace it.
    const short = (await this.#list("ready")).length < settings.size && ready.length > 0;
    await this.ctx.storage.setAlarm(Date.now() + (short ? 0 : renewEveryMs(settings.sleepAfterSeconds)));
  }

  /**
   * Starts a new container and its Python interpreter context (registered in that
   * sandbox's Durable Object as any first run would, having run nothing but `pass`), so a
   * workspace's first Python call runs at once. False when it cannot.
   */
  async #start(backend: CloudflareSandboxBackend, id: string): Promise<boolean> {
    if (!(await this.#warm(backend, id))) return false;
    try {
      const out = await backend.runCode({ id }, "pass", "python", {
        timeoutMs: START_TIMEOUT_MS,
        outputLimitBytes: 1024,
      });
      return out.success;
    } catch (error) {
      console.warn(`warm pool: sandbox ${id} has no Python context`, error);
      return false;
    }
  }

  /** Starts the container of `id` (or renews its idle timer); false when it cannot. */
  async #warm(backend: CloudflareSandboxBackend, id: string): Promise<boolean> {
    try {
      const out = await backend.exec({ id }, "true", { timeoutMs: START_TIMEOUT_MS, outputLimitBytes: 1024 });
      return out.exitCode === 0;
    } catch (error) {
      console.warn(`warm pool: sandbox ${id} did not start`, error);
      return false;
    }
  }

  async #configure(settings: WarmPoolSettings): Promise<void> {
    const current = await this.ctx.storage.get<WarmPoolSettings>("settings");
    if (current?.size !== settings.size || current.sleepAfterSeconds !== settings.sleepAfterSeconds) {
      await this.ctx.storage.put("settings", settings);
    }
  }

  async #list(key: "ready" | "starting"): Promise<string[]> {
    return (await this.ctx.storage.get<string[]>(key)) ?? [];
  }
}
