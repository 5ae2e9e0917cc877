/**
 * The Sandbox Durable Object class bound as `SANDBOX` (wrangler `[[containers]]`
 * class_name "Sandbox"). It is the SDK's class with two additions:
 *
 * - Internet access is off unless `SANDBOX_ENABLE_INTERNET` is "true"/"1". The
 *   container reads `enableInternet` when it starts, so the var applies from the next
 *   container start (after sleep, destroy or deploy), not to a running container.
 * - A tiny registry of code-interpreter context ids in Durable Object storage. The
 *   container forgets its contexts when it sleeps; this registry does not, which is how
 *   the adapter can tell "context lost" (report `contextReset`) from "first use".
 *
 * The Worker entry must also export `ContainerProxy` (re-exported here) so the
 * container's outbound traffic can be routed through the Worker; the Worker also installs
 * the code-mode outbound handler (src/worker/codemode-outbound.ts) on this class, so the
 * backend never reaches up into code mode.
 */
import { Sandbox as BaseSandbox, ContainerProxy } from "@cloudflare/sandbox";

export { ContainerProxy };

/** Vars this class reads; the rest of the Worker env is irrelevant to it. */
export interface SandboxDoEnv {
  SANDBOX_ENABLE_INTERNET?: string;
}

const CONTEXT_KEY_PREFIX = "codemode:code-context:";

export function internetEnabled(env: SandboxDoEnv): boolean {
  const raw = env.SANDBOX_ENABLE_INTERNET?.trim().toLowerCase();
  return raw === "true" || raw === "1";
}

export class Sandbox extends BaseSandbox<SandboxDoEnv> {
  override enableInternet = false;

  constructor(ctx: ConstructorParameters<typeof BaseSandbox>[0], env: SandboxDoEnv) {
    super(ctx, env);
    this.enableInternet = internetEnabled(env);
  }

  /** The interpreter context id last registered for `language`, if any. */
  async getCodeContextId(language: string): Promise<string | null> {
    return (await this.ctx.storage.get<string>(CONTEXT_KEY_PREFIX + language)) ?? null;
  }

  /** Registers (or, with `null`, forgets) the context id used for `language`. */
  async setCodeContextId(language: string, id: string | null): Promise<void> {
    if (id === null) await this.ctx.storage.delete(CONTEXT_KEY_PREFIX + language);
    else await this.ctx.storage.put(CONTEXT_KEY_PREFIX + language, id);
  }
}
