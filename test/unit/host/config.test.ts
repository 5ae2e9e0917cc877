/** The sandbox host's settings from its environment and flags. */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../host/src/config.ts";

const secret = "s".repeat(32);

describe("sandbox host settings", () => {
  it("has safe defaults", () => {
    const c = loadConfig({ SANDBOX_HOST_SECRET: secret });
    expect(c).toMatchObject({
      port: 8788,
      memoryBytes: 512 * 1024 * 1024,
      unsafeNoIsolation: false,
      cgroups: "auto",
      pythonPath: "/usr/bin/python3",
    });
    expect(c.root.endsWith(".sandbox-data")).toBe(true);
  });

  it("names the bad setting", () => {
    expect(() => loadConfig({})).toThrow(/SANDBOX_HOST_SECRET: is required/);
    expect(() => loadConfig({ SANDBOX_HOST_SECRET: "short" })).toThrow(/SANDBOX_HOST_SECRET/);
    expect(() => loadConfig({ SANDBOX_HOST_SECRET: secret, SANDBOX_HOST_PORT: "http" })).toThrow(
      /SANDBOX_HOST_PORT/,
    );
    expect(() => loadConfig({ SANDBOX_HOST_SECRET: secret, SANDBOX_HOST_MEMORY_MB: "1" })).toThrow(
      /SANDBOX_HOST_MEMORY_MB/,
    );
    expect(() => loadConfig({ SANDBOX_HOST_SECRET: secret, SANDBOX_HOST_UNSAFE: "maybe" })).toThrow(
      /SANDBOX_HOST_UNSAFE/,
    );
  });

  it("turns on unsafe mode by flag or variable", () => {
    expect(loadConfig({ SANDBOX_HOST_SECRET: secret }, ["--unsafe-no-isolation"]).unsafeNoIsolation).toBe(
      true,
    );
    expect(loadConfig({ SANDBOX_HOST_SECRET: secret, SANDBOX_HOST_UNSAFE: "1" }).unsafeNoIsolation).toBe(
      true,
    );
  });

  it("never puts the secret in error messages", () => {
    const bad = "tooshort";
    expect(() => loadConfig({ SANDBOX_HOST_SECRET: bad })).toThrow(expect.not.stringContaining(bad));
  });
});
