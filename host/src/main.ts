/**
 * Entry point: `node host/src/main.ts [--unsafe-no-isolation]` (Node 22 strips the
 * types). Settings come from SANDBOX_HOST_* variables; see config.ts.
 */
import { ConfigError, loadConfig } from "./config.ts";
import { IsolationUnavailableError } from "./isolation/setup.ts";
import { createSandboxHost } from "./server.ts";

async function main(): Promise<void> {
  const config = loadConfig(process.env, process.argv.slice(2));
  const host = await createSandboxHost(config);
  for (const w of host.warnings) console.warn(`[sandbox-host] warning: ${w}`);
  console.log(
    `[sandbox-host] listening on ${host.url} (isolation: ${host.isolation.mode}, limits: ${host.isolation.mechanism}, root: ${config.root})`,
  );
  const stop = (signal: string) => {
    console.log(`[sandbox-host] ${signal}: stopping sandboxes`);
    host.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError || e instanceof IsolationUnavailableError) {
    console.error(`[sandbox-host] ${e.message}`);
  } else {
    console.error("[sandbox-host] failed to start:", e);
  }
  process.exit(1);
});
