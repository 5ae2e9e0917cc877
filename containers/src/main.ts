/**
 * Entry point: `node containers/src/main.ts`. Runs real Cloudflare Sandbox container
 * servers locally, one per Sandbox Durable Object, for `SANDBOX_BACKEND=cloudflare` in
 * development and tests. Settings come from CONTAINER_* variables; see config.ts.
 */
import { ConfigError } from "../../host/src/config.ts";
import { loadConfig, serverMissingReason } from "./config.ts";
import { createContainerRunner } from "./server.ts";

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const missing = serverMissingReason(config.serverDir);
  if (missing) throw new ConfigError(missing);
  const runner = await createContainerRunner(config);
  console.log(`[containers] listening on ${runner.url} (limits: ${runner.limits}, root: ${config.root})`);
  const stop = (signal: string) => {
    console.log(`[containers] ${signal}: stopping containers`);
    runner.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

main().catch((e: unknown) => {
  console.error(
    e instanceof ConfigError ? `[containers] ${e.message}` : ["[containers] failed to start:", e],
  );
  process.exit(1);
});
