/**
 * Vitest global setup for the workers project (runs in Node, not workerd): starts the
 * real `server-everything` upstream and provides its URL, which vitest.config.ts puts
 * into the Worker's UPSTREAM_MCP_SERVERS for the code-mode tests.
 */
import type { TestProject } from "vitest/node";
import { startUpstreamEverything } from "../helpers/upstream-everything.ts";

declare module "vitest" {
  export interface ProvidedContext {
    upstreamEverythingUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const upstream = await startUpstreamEverything();
  project.provide("upstreamEverythingUrl", upstream.url);
  return () => upstream.stop();
}
