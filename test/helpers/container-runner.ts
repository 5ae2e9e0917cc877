/**
 * The local container runner for tests, in-process on a random port with a throw-away
 * root: real Cloudflare Sandbox container servers from ../shared/vendor. When the server
 * is not there (a plain public clone), `startTestRunner` returns null and the suites that
 * need it skip with one line saying how to provide it.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, serverMissingReason } from "../../containers/src/config.ts";
import { type ContainerRunner, createContainerRunner } from "../../containers/src/server.ts";

export interface TestRunner {
  url: string;
  secret: string;
  runner: ContainerRunner;
  close(): Promise<void>;
}

/**
 * One line for skipped real-runtime suites, or null when the real runtime is available.
 * CI sets CODEMODE_REQUIRE_REAL_RUNTIME=1: there a missing server is an error, so the
 * Cloudflare half of the suite can never pass by being skipped.
 */
export function realRuntimeSkipReason(): string | null {
  const missing = serverMissingReason();
  if (missing && process.env.CODEMODE_REQUIRE_REAL_RUNTIME === "1") {
    throw new Error(`CODEMODE_REQUIRE_REAL_RUNTIME=1 but the real container runtime is missing: ${missing}`);
  }
  return missing ? `real Cloudflare container runtime skipped: ${missing}` : null;
}

export async function startTestRunner(): Promise<TestRunner | null> {
  if (realRuntimeSkipReason()) return null;
  const secret = randomBytes(24).toString("hex");
  const root = await mkdtemp(join(tmpdir(), "codemode-containers-"));
  const config = loadConfig({
    CONTAINER_RUNNER_SECRET: secret,
    CONTAINER_RUNNER_ROOT: root,
    CONTAINER_RUNNER_PORT: "0",
    CONTAINER_SERVER_DIR: process.env.CONTAINER_SERVER_DIR,
  });
  const runner = await createContainerRunner(config, (line) => {
    if (process.env.CONTAINER_RUNNER_ECHO) console.error(line);
  });
  return {
    url: runner.url,
    secret,
    runner,
    async close() {
      await runner.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
