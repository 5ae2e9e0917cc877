/** Chooses the sandbox backend from configuration. The one place that branches on it. */
import type { Config } from "../config/config.ts";
import { AppError } from "../errors/app-error.ts";
import type { SandboxBackend } from "./backend.ts";
import { CloudflareSandboxBackend } from "./cloudflare/backend.ts";
import type { Sandbox } from "./cloudflare/sandbox-do.ts";

export function createSandboxBackend(env: Env, config: Config): SandboxBackend {
  switch (config.SANDBOX_BACKEND) {
    case "local":
      return notWired("local");
    case "cloudflare":
      // The generated Env cannot name the container class (it has no type parameter there).
      return new CloudflareSandboxBackend(env.SANDBOX as unknown as DurableObjectNamespace<Sandbox>);
  }
}

// Replaced as the backend modules land.
function notWired(kind: SandboxBackend["kind"]): SandboxBackend {
  return new Proxy({ kind } as SandboxBackend, {
    get(target, prop) {
      if (prop === "kind") return target.kind;
      return () =>
        Promise.reject(new AppError("SANDBOX_UNAVAILABLE", `The ${kind} sandbox backend is not available.`));
    },
  });
}
