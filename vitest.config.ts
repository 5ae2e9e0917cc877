import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { codemodeTestBindings } from "./test/workers/codemode-bindings.ts";

// Three projects: `workers` runs inside workerd (the Worker, Durable Objects, the Cloudflare
// sandbox adapter against real containers from the local container runner); `node` runs
// the local sandbox host for real and the end-to-end tests that drive `wrangler dev` with
// the official MCP client; `long` holds end-to-end files that mostly wait.
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
          exclude: ["**/*.long.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        // End-to-end files that mostly wait (a task outliving an idle timeout): each has
        // its own stack, and `npm test` runs them beside the workers project.
        test: {
          name: "long",
          environment: "node",
          include: ["test/e2e/**/*.long.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
