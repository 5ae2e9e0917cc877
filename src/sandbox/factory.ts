/** Chooses the sandbox backend from configuration. The one place that branches on it. */
import type { SandboxBackend } from "./backend.ts";
import { CloudflareSandboxBackend } from "./cloudflare/backend.ts";
import type { Sandbox } from "./cloudflare/sandbox-do.ts";
import { type SandboxPool, WARM_POOL_NAME, type WarmPoolSettings } from "./cloudflare/warm-pool.ts";
import { LocalSandboxBackend } from "./local.ts";

/** The settings the backends need (a subset of the parsed Config; sandbox/ never imports config/). */
export interface SandboxSettings {
  SANDBOX_BACKEND: "local" | "cloudflare";
  SANDBOX_HOST_URL: string;
  SANDBOX_HOST_SECRET?: string | undefined;
  SANDBOX_SLEEP_AFTER_SECONDS: number;
  SANDBOX_WARM_POOL_SIZE: number;
}

/** How long a new workspace waits for the warm pool before it starts its own container. */
const CLAIM_TIMEOUT_MS = 5_000;

export function createSandboxBackend(env: Env, config: SandboxSettings): SandboxBackend {
  switch (config.SANDBOX_BACKEND) {
    case "local":
      // Config validation guarantees the secret is set for the local backend.
      return new LocalSandboxBackend({
        url: config.SANDBOX_HOST_URL,
        secret: config.SANDBOX_HOST_SECRET ?? "",
      });
    case "cloudflare":
      // The generated Env cannot name the container class (it has no type parameter there).
      return new CloudflareSandboxBackend(env.SANDBOX as unknown as DurableObjectNamespace<Sandbox>, {
        sleepAfter: config.SANDBOX_SLEEP_AFTER_SECONDS,
      });
  }
}

/**
 * What a new workspace calls for its sandbox id: a pre-started container's from the warm
 * pool (Cloudflare backend, SANDBOX_WARM_POOL_SIZE > 0), or null — then the workspace
 * derives its own and the first call starts it. A slow or failing pool never fails the
 * workspace; it only costs the cold start the pool would have saved.
 */
export function warmSandboxClaim(env: Env, config: SandboxSettings): () => Promise<string | null> {
  return async () => {
    if (config.SANDBOX_BACKEND !== "cloudflare" || config.SANDBOX_WARM_POOL_SIZE === 0) return null;
    const pool = (env.SANDBOX_POOL as unknown as DurableObjectNamespace<SandboxPool>).getByName(
      WARM_POOL_NAME,
    );
    const settings: WarmPoolSettings = {
      size: config.SANDBOX_WARM_POOL_SIZE,
      sleepAfterSeconds: config.SANDBOX_SLEEP_AFTER_SECONDS,
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), CLAIM_TIMEOUT_MS);
    });
    try {
      return await Promise.race([pool.claim(settings), late]);
    } catch (error) {
      console.warn("warm pool: claim failed; the workspace starts its own container", error);
      return null;
    } finally {
      clearTimeout(timer);
    }
  };
}
