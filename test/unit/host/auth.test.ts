/** The sandbox host client: the bearer secret, host errors as AppErrors, an unreachable host, no secret in logs. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSandboxHost, type SandboxHost } from "../../../host/src/server.ts";
import { LocalSandboxBackend } from "../../../src/sandbox/local.ts";
import { startTestHost, type TestHost } from "../../helpers/local-host.ts";

describe("sandbox host authentication and errors", () => {
  let t: TestHost;
  beforeAll(async () => {
    t = await startTestHost();
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it("answers 401 without the right bearer secret", async () => {
    const url = `${t.host.url}/v1/health`;
    const cases: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong-secret" },
      { authorization: t.secret },
      { authorization: `Basic ${t.secret}` },
      { authorization: `Bearer ${t.secret}x` },
    ];
    for (const headers of cases) {
      const res = await fetch(url, { headers });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: "UNAUTHORIZED" });
    }
    const ok = await fetch(url, { headers: { authorization: `Bearer ${t.secret}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ ok: true, isolation: "bubblewrap" });
  });

  it("rejects unauthenticated writes before touching anything", async () => {
    const res = await fetch(`${t.host.url}/v1/workspaces/w1/files?path=x.txt`, { method: "PUT", body: "x" });
    expect(res.status).toBe(401);
    expect(await t.backend.stat({ id: "w1" }, "x.txt")).toBeNull();
  });

  it("the client re-throws host errors as AppError", async () => {
    const wrong = new LocalSandboxBackend({ url: t.host.url, secret: "not-the-secret" });
    await expect(wrong.stat({ id: "w1" }, "x")).rejects.toMatchObject({
      name: "AppError",
      code: "UNAUTHORIZED",
    });
    await expect(t.backend.stat({ id: "Bad_Name" }, "x")).rejects.toMatchObject({
      code: "INVALID_WORKSPACE_NAME",
    });
    await expect(
      t.backend.exec({ id: "w1" }, "true", { timeoutMs: -1, outputLimitBytes: 1024 }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it("reports an unreachable host as SANDBOX_UNAVAILABLE with the URL and `npm start`", async () => {
    const gone = new LocalSandboxBackend({ url: "http://127.0.0.1:9", secret: "x" });
    const error = await gone
      .exec({ id: "w1" }, "true", { timeoutMs: 1000, outputLimitBytes: 1024 })
      .catch((e) => e);
    expect(error).toMatchObject({ code: "SANDBOX_UNAVAILABLE" });
    expect(error.message).toContain("http://127.0.0.1:9");
    expect(error.suggestion).toContain("npm start");
  });

  it("never logs the secret", async () => {
    const lines: string[] = [];
    const secret = "a-very-secret-value-0123456789";
    let host: SandboxHost | undefined;
    try {
      host = await createSandboxHost({ ...t.config, secret, port: 0, log: (m) => lines.push(m) });
      await fetch(`${host.url}/v1/health`, { headers: { authorization: "Bearer nope" } });
      await fetch(`${host.url}/v1/workspaces/w1/nothing-here`, {
        headers: { authorization: `Bearer ${secret}` },
      });
    } finally {
      await host?.close();
    }
    expect(lines.join("\n")).not.toContain(secret);
  });
});
