/**
 * The sandbox backends the end-to-end suites run on: the local host always, and the
 * Cloudflare backend on real containers when the container server is available (else
 * one line says how to provide it).
 */
import { realRuntimeSkipReason } from "./container-runner.ts";
import type { BackendName } from "./stack.ts";

export function e2eBackends(): BackendName[] {
  const skip = realRuntimeSkipReason();
  if (skip) {
    console.warn(`e2e suites on the local host only; ${skip}`);
    return ["local"];
  }
  return ["local", "cloudflare"];
}
