/**
 * The sandbox backends the end-to-end suites run on: the local host always, and the
 * Cloudflare backend on real containers when the container server is available (else
 * one line says how to provide it).
 */
import { serverMissingReason } from "../../containers/src/config.ts";
import type { BackendName } from "./stack.ts";

export function e2eBackends(): BackendName[] {
  const missing = serverMissingReason();
  if (missing) {
    console.warn(`e2e suites run on the local host only: ${missing}`);
    return ["local"];
  }
  return ["local", "cloudflare"];
}
