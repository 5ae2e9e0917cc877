/** Chooses the sandbox backend from configuration. The one place that branches on it. */
import type { Config } from "../config/config.ts";
import type { SandboxBackend } from "./backend.ts";
import { CloudflareSandboxBackend } from "./cloudflare/backend.ts";
import type { Sandbox } from "./cloudflare/sandbox-do.ts";
import { LocalSandboxBackend } from "./local.ts";

export function createSandboxBackend(env: Env, config: Config): SandboxBackend {
  switch (config.SANDBOX_BACKEND) {
    case "local":
      // Config validation guarantees the secret is set for the local backend.
      return new LocalSandboxBackend({
        url: config.SANDBOX_HOST_URL,
        secret: config.SANDBOX_HOST_SECRET ?? "",
      });
    case "cloudflare":
      // The generated Env cannot name the container class (it has no type parameter there).
      return new CloudflareSandboxBackend(env.SANDBOX as unknown as DurableObjectNamespace<Sandbox>);
  }
}
