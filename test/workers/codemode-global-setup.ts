/**
 * Vitest global setup for the workers project (runs in Node, not workerd): starts the
 * real `server-everything` upstream (code-mode tests) and the local container runner
 * (real Cloudflare Sandbox containers behind the Sandbox Durable Object), and provides
 * their addresses, which vitest.config.ts puts into the Worker's bindings.
 */
import type { TestProject } from "vitest/node";
import { realRuntimeSkipReason, startTestRunner } from "../helpers/container-runner.ts";
import { startUpstreamEverything } from "../helpers/upstream-everything.ts";

declare module "vitest" {
  export interface ProvidedContext {
    upstreamEverythingUrl: string;
    /** Empty when the real container runtime is unavailable here. */
    containerRunnerUrl: string;
    containerRunnerSecret: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const upstream = await startUpstreamEverything();
  project.provide("upstreamEverythingUrl", upstream.url);
  const runner = await startTestRunner();
  const skip = realRuntimeSkipReason();
  if (skip) console.warn(skip);
  project.provide("containerRunnerUrl", runner?.url ?? "");
  project.provide("containerRunnerSecret", runner?.secret ?? "");
  return async () => {
    await Promise.all([upstream.stop(), runner?.close()]);
  };
}
