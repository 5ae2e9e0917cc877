/**
 * Development and test entry (`npm start` with SANDBOX_BACKEND=cloudflare, the test
 * harness): the production Worker, with a Sandbox Durable Object whose container is a
 * real container server run by the local container runner instead of Cloudflare's
 * platform, and a development-only listing of the workspace-saves bucket
 * (dev-backups.ts). `wrangler deploy` uses src/worker/index.ts and never bundles this file.
 */
import { LocalContainerSandbox } from "../sandbox/cloudflare/local-container.ts";
import { DEV_BACKUPS_PATH, serveDevBackups } from "./dev-backups.ts";
import worker, { Sandbox } from "./index.ts";

// `@cloudflare/containers` keys outbound handlers by class name, so the stand-in's class
// needs the production class's (code mode's `codemode.internal`) under its own name, or
// Python code mode cannot reach the Worker.
LocalContainerSandbox.outboundByHost = Sandbox.outboundByHost ?? {};

export default {
  fetch(request, env, ctx) {
    if (new URL(request.url).pathname === DEV_BACKUPS_PATH && request.method === "GET") {
      return serveDevBackups(request, env);
    }
    return worker.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;

export { ContainerProxy, McpSession, SandboxPool, Workspace } from "./index.ts";
export { LocalContainerSandbox as Sandbox };
