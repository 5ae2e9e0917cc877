// The development stand-in for ctx.container refuses to run anywhere but a development
// Worker talking to a loopback runner, and never replaces a platform container handle.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  installLocalContainer,
  LocalContainerRefused,
  runnerTarget,
} from "../../src/sandbox/cloudflare/local-container.ts";

const secret = "s".repeat(32);
const dev = { ENVIRONMENT: "development", SANDBOX_HOST_SECRET: secret };

describe("local container stand-in guard", () => {
  it("refuses a production Worker, whatever else is configured", () => {
    for (const environment of ["production", undefined, "", "Development"]) {
      expect(() =>
        runnerTarget({ ...dev, ENVIRONMENT: environment, CONTAINER_RUNNER_URL: "http://127.0.0.1:1" }, "id"),
      ).toThrow(LocalContainerRefused);
    }
  });

  it("refuses a runner that is not on a loopback address, and a missing secret", () => {
    for (const url of ["http://example.com:8789", "https://127.0.0.1:8789", "http://10.0.0.1", "nonsense"]) {
      expect(() => runnerTarget({ ...dev, CONTAINER_RUNNER_URL: url }, "id")).toThrow(LocalContainerRefused);
    }
    expect(() => runnerTarget({ ENVIRONMENT: "development" }, "id")).toThrow(/SANDBOX_HOST_SECRET/);
    expect(runnerTarget({ ...dev, CONTAINER_RUNNER_URL: "http://localhost:9" }, "abc").base).toBe(
      "http://localhost:9/containers/abc",
    );
  });

  it("never replaces a container handle the platform provided", () => {
    const platform = { running: true };
    const ctx = { container: platform, id: { toString: () => "x" } } as unknown as DurableObjectState;
    installLocalContainer(ctx, { ...dev, ENVIRONMENT: "production" });
    installLocalContainer(ctx, dev);
    expect(ctx.container).toBe(platform);
  });

  it("refuses to install itself in a production Worker without a platform container", () => {
    // The test Worker's own configuration is a production one.
    expect(env.ENVIRONMENT).toBe("production");
    const ctx = { id: { toString: () => "x" } } as unknown as DurableObjectState;
    expect(() => installLocalContainer(ctx, { ...env, SANDBOX_HOST_SECRET: secret })).toThrow(
      /only with ENVIRONMENT=development/,
    );
    expect(ctx.container).toBeUndefined();
  });
});
