import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { codemodeTestBindings } from "./test/workers/codemode-bindings.ts";

// Two projects: `workers` runs inside workerd (the Worker, Durable Objects, the Cloudflare
// sandbox adapter against real containers from the local container runner); `node` runs
// the local sandbox host for real and the end-to-end tests that drive `wrangler dev` with
// the official MCP client.
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          // The function form reads what globalSetup provided: the code-mode upstream's URL
          // and the container runner's address and secret.
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./test/workers/wrangler.test.toml" },
            miniflare: {
              bindings: {
                ...codemodeTestBindings(inject<string>("upstreamEverythingUrl")),
                CONTAINER_RUNNER_URL: inject<string>("containerRunnerUrl"),
                SANDBOX_HOST_SECRET: inject<string>("containerRunnerSecret"),
              },
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          globalSetup: ["./test/workers/codemode-global-setup.ts"],
          // A file's first request loads the whole Worker into workerd; on a shared, busy
          // machine that alone can exceed vitest's 5 s default.
          testTimeout: 30_000,
          // Files on real containers mostly wait (container starts, sleeps in tasks), so
          // three at a time finish sooner than vitest's default of one on two cores.
          maxWorkers: 3,
        },
      },
      {
        test: {
          name: "node",
          environment: "node",
          include: [
            "test/unit/**/*.test.ts",
            "test/contract/**/*.node.test.ts",
            "test/e2e/**/*.test.ts",
            "test/security/**/*.test.ts",
          ],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
