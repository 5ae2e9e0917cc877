/** CLI settings: URL, token and workspace from flags and CODEMODE_* variables, with clear usage errors. */
import { describe, expect, it } from "vitest";
import { DEFAULT_URL, resolveConfig } from "../../../cli/src/config.ts";
import { UsageError } from "../../../cli/src/errors.ts";

const token = "secret-token-0123456789";

describe("resolveConfig", () => {
  it("uses the local default URL and the token from the environment", () => {
    const config = resolveConfig({}, { CODEMODE_TOKEN: token });
    expect(config.url.href).toBe(DEFAULT_URL);
    expect(config.token).toBe(token);
    expect(config.workspace).toBeUndefined();
  });

  it("prefers flags over CODEMODE_* variables", () => {
    const config = resolveConfig(
      { url: "https://a.example/mcp", token: "flag-token", workspace: "flag-ws" },
      { CODEMODE_URL: "https://b.example/mcp", CODEMODE_TOKEN: token, CODEMODE_WORKSPACE: "env-ws" },
    );
    expect(config.url.href).toBe("https://a.example/mcp?workspace=flag-ws");
    expect(config.token).toBe("flag-token");
  });

  it("appends ?workspace= from CODEMODE_WORKSPACE", () => {
    const config = resolveConfig({}, { CODEMODE_TOKEN: token, CODEMODE_WORKSPACE: "demo" });
    expect(config.url.searchParams.get("workspace")).toBe("demo");
    expect(config.workspace).toBe("demo");
  });

  it("requires a token, and says where to get one", () => {
    expect(() => resolveConfig({}, {})).toThrow(UsageError);
    expect(() => resolveConfig({}, { CODEMODE_TOKEN: "" })).toThrow(/CODEMODE_TOKEN.*npm start/);
  });

  it("rejects a bad URL or workspace name as usage errors, without echoing the token", () => {
    for (const flags of [{ url: "not a url" }, { url: "ftp://x/mcp" }, { workspace: "Has Spaces" }]) {
      try {
        resolveConfig({ ...flags, token }, {});
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        expect((error as Error).message).not.toContain(token);
      }
    }
  });
});
