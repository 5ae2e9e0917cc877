/**
 * The warm pool: a Durable Object (bound as `SANDBOX_POOL`, one instance named "pool")
 * that keeps SANDBOX_WARM_POOL_SIZE Sandbox containers started and idle on the Cloudflare
 * backend, so a new workspace's first call finds its container running instead of paying
 * a cold start.
 *
 * A pooled sandbox has a random id (`p` + 32 hex chars) that no workspace has used.
 * `claim` removes one from the pool durably before returning it, and the workspace stores
 * it as its own sandbox id for good (the workspace row, record.ts): the pool never hands
 * an id out twice and never takes one back, so a container that served one workspace can
 * never reach another, of the same principal or not. An empty pool answers null and the
 * workspace uses its derived id (a cold start, as with no pool).
 *
 * The alarm refills the pool in the background and keeps the idle containers awake: each
 * round runs `true` in every pooled container (which also restarts one the platform
 * stopped) and starts new ones, each with its Python context, up to the size. It reads
 * the size from the configuration every round, so a deploy with size 0 lets the idle
 * containers go (they sleep after SANDBOX_SLEEP_AFTER_SECONDS) and stops the alarm.
 *
 * Why not the SDK's `WarmPool` (`@cloudflare/sandbox/bridge`): it maps a caller's id to a
 * pooled container only while that container runs and assigns another one after a sleep,
 * so a workspace would move to a new Sandbox Durable Object (losing its code-context
 * registry and its saves' key) at every wake-up; it also keeps that mapping in its own
 * storage rather than the workspace's, looks the namespace up by the binding name
 * "Sandbox", and starts containers without our SDK options (rpc transport, sleepAfter).
 * Here the workspace keeps the id it got, and the pool is a list of ids.
 *
 * Storage (KV API): "ready" — ids started and waiting; "starting" — ids being started
 * (after an eviction they are checked like ready ones; none was ever handed out).
 */
import { DurableObject } from "cloudflare:workers";
import { type Config, configFrom } from "../config/config.ts";
import type { SandboxBackend } from "../sandbox/backend.ts";
import { createSandboxBackend, warmPoolSize } from "../sandbox/factory.ts";
import { randomHex } from "../shared/encoding.ts";

export const WARM_POOL_NAME = "pool";
const START_TIMEOUT_MS = 120_000;
/** Containers started at once when filling (a burst of cold starts is throttled upstream). */
const BATCH = 4;
/** How long a refill waits after a claim (the claimer's first call runs meanwhile). */
const REFILL_DELAY_MS = 2_000;
/** How long a new workspace waits for the pool before it starts its own container. */
const CLAIM_TIMEOUT_MS = 5_000;

/** How often the pool looks at its containers: well within the idle timeout. */
export function renewEveryMs(sleepAfterSeconds: number): number {
  return Math.min(60_000, Math.max(2_000, Math.floor((sleepAfterSeconds * 1000) / 3)));
}

export function pooledSandboxId(): string {
  return `p${randomHex(16)}`;
}

/**
 * What a new workspace calls for its sandbox id: a pre-started container's, or null (no
 * pool, an empty one, or one that does not answer in time); then the workspace derives
 * its own and its first call starts it. The pool never fails a workspace.
 */
export async function claimWarmSandbox(env: Env, config: Config): Promise<string | null> {
  if (warmPoolSize(config) === 0) return null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), CLAIM_TIMEOUT_MS);
  });
  try {
    return await Promise.race([env.SANDBOX_POOL.getByName(WARM_POOL_NAME).claim(), late]);
  } catch (error) {
    console.warn("warm pool: claim failed; the workspace starts its own container", error);
    return null;
  } finally {
    clearTimeout(timer);
  }
}

export class SandboxPool extends DurableObject<Env> {
  /** One idle container's sandbox id, or null when none is ready. Starts a refill. */
  async claim(): Promise<string | null> {
    const ready = await this.#list("ready");
    const id = ready.shift() ?? null;
    // Durably out of the pool before anyone sees it.
    if (id !== null) await this.ctx.storage.put("ready", ready);
    if (warmPoolSize(configFrom(this.env)) > 0) {
      // The claiming workspace's first call follows at once; container starts in the same
      // moment would compete with it where containers share a machine's CPUs.
      const at = Date.now() + REFILL_DELAY_MS;
      const current = await this.ctx.storage.getAlarm();
      if (current === null || current > at) await this.ctx.storage.setAlarm(at);
    }
    return id;
  }

  override async alarm(): Promise<void> {
    const config = configFrom(this.env);
    const size = warmPoolSize(config);
    if (size === 0) {
      // Off: forget the idle containers; each sleeps once its idle timeout passes.
      await this.ctx.storage.put({ ready: [], starting: [] });
      return;
    }
    const backend = createSandboxBackend(this.env, config);
    const orphans = await this.#list("starting");
    const checked = [...(await this.#list("ready")), ...orphans];
    const aliveAt = await Promise.all(checked.map((id) => this.#warm(backend, id)));
    const alive = new Set(checked.filter((_, i) => aliveAt[i]));
    // Claims may have taken ready ids meanwhile: keep only those still listed. Beyond the
    // size (it was lowered), ids are dropped and their containers sleep when idle.
    const ready = [...(await this.#list("ready")), ...orphans].filter((id) => alive.has(id)).slice(0, size);
    await this.ctx.storage.put({ ready, starting: [] });
    while (ready.length < size) {
      const batch = Array.from({ length: Math.min(BATCH, size - ready.length) }, pooledSandboxId);
      await this.ctx.storage.put("starting", batch);
      const started = await Promise.all(batch.map((id) => this.#start(backend, id)));
      const now = (await this.#list("ready")).concat(batch.filter((_, i) => started[i]));
      await this.ctx.storage.put({ ready: now, starting: [] });
      ready.splice(0, ready.length, ...now);
      if (!started.some(Boolean)) break; // no container starts now; the next round retries
    }
    // A claim while this ran asked for an alarm now; this one would replace it.
    const short = (await this.#list("ready")).length < size && ready.length > 0;
    const next = short ? 0 : renewEveryMs(config.SANDBOX_SLEEP_AFTER_SECONDS);
    await this.ctx.storage.setAlarm(Date.now() + next);
  }

  /**
   * Starts a new container and its Python interpreter context (registered in that
   * sandbox's Durable Object as any first run would, having run nothing but `pass`), so a
   * workspace's first Python call runs at once. False when it cannot.
   */
  async #start(backend: SandboxBackend, id: string): Promise<boolean> {
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
  async #warm(backend: SandboxBackend, id: string): Promise<boolean> {
    try {
      const out = await backend.exec({ id }, "true", { timeoutMs: START_TIMEOUT_MS, outputLimitBytes: 1024 });
      return out.exitCode === 0;
    } catch (error) {
      console.warn(`warm pool: sandbox ${id} did not start`, error);
      return false;
    }
  }

  async #list(key: "ready" | "starting"): Promise<string[]> {
    return (await this.ctx.storage.get<string[]>(key)) ?? [];
  }
}
