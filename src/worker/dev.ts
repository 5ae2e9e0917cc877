/**
 * Development and test entry (`npm start` with SANDBOX_BACKEND=cloudflare, the test
 * harness): the production Worker, with a Sandbox Durable Object whose container is a
 * real container server run by the local container runner instead of Cloudflare's
 * platform. `wrangler deploy` uses src/worker/index.ts and never bundles this file.
 */

export { LocalContainerSandbox as Sandbox } from "../sandbox/cloudflare/local-container.ts";
export { ContainerProxy, default, McpSession, Workspace } from "./index.ts";
