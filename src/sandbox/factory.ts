/** Chooses the sandbox backend from configuration. The one place that branches on it. */
import type { SandboxBackend } from "./backend.ts";
import { CloudflareSandboxBackend } from "./cloudflare/backend.ts";
import type { Sandbox } from "./cloudflare/sandbox-do.ts";
import { LocalSandboxBackend } from "./local.ts";

/** The settings the choice needs (a subset of the parsed Config; sandbox/ never imports config/). */
export interface SandboxSettings {
  SANDBOX_BACKEND: "local" | "cloudflare";
  SANDBOX_HOST_URL: string;
  SANDBOX_HOST_SECRET?: string | undefined;
  SANDBOX_SLEEP_AFTER_SECONDS: number;
}

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
        backups: env.WORKSPACE_BACKUPS !== undefined,
      });
  }
}

/** How many pre-started containers the warm pool keeps: only containers have a cold start. */
export function warmPoolSize(config: SandboxSettings & { SANDBOX_WARM_POOL_SIZE: number }): number {
  return config.SANDBOX_BACKEND === "cloudflare" ? config.SANDBOX_WARM_POOL_SIZE : 0;
}
