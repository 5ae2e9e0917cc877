/**
 * The Worker side of code mode for sandboxed programs: runs opened in the workspace
 * Durable Object, calls over the callback route (as the local host relays them) and the
 * Cloudflare outbound handler, refusal after the run ends, and the generated module.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { installCell, pythonModuleSource } from "../../src/codemode/python/module.ts";
import { codemodeOutboundByHost } from "../../src/worker/codemode-outbound.ts";
import { workspaceClient } from "../../src/workspace/rpc.ts";
import { UPSTREAM_SECRET_VALUES } from "./codemode-bindings.ts";

async function openRun(name: string) {
  const stub = workspaceClient(env.WORKSPACE.getByName(name));
  const run = await stub.codemode.openRun({ timeoutMs: 10_000 });
  const url = `http://mcp.test/internal/codemode/${stub.id}/${run.runId}`;
  const call = (body: unknown, token = run.token) =>
    exports.default.fetch(
      new Request(url, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      }),
    );
  return { stub, run, call };
}

describe("code-mode runs for sandboxed programs", { timeout: 30_000 }, () => {
  it("accepts calls with the run token, logs them, and refuses them once the run ended", async () => {
    const { stub, run, call } = await openRun("py-channel-1");
    expect(run.tools.map((t) => t.qualifiedName)).toContain("everything.get_sum");
    expect(run.tools.map((t) => t.upstreamName)).not.toContain("get-env");

    const ok = await call({ server: "everything", tool: "get_sum", input: { a: 4, b: 5 } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true, value: "The sum of 4 and 5 is 9." });

    const upstreamError = await call({ server: "everything", tool: "get_sum", input: { a: "x" } });
    expect(await upstreamError.json()).toMatchObject({ ok: false, code: "UPSTREAM_TOOL_ERROR" });

    const denied = await call({ server: "everything", tool: "get-env", input: {} });
    expect(await denied.json()).toMatchObject({ ok: false, code: "TOOL_NOT_ALLOWED" });

    const badToken = await call(
      { server: "everything", tool: "echo", input: { message: "x" } },
      "0".repeat(64),
    );
    expect(badToken.status).toBe(403);

    const calls = await stub.codemode.closeRun(run.runId);
    expect(calls.map((c) => [c.tool, c.ok])).toEqual([
      ["everything.get_sum", true],
      ["everything.get_sum", false],
      ["everything.get-env", false],
    ]);
    const late = await call({ server: "everything", tool: "echo", input: { message: "late" } });
    expect(late.status).toBe(403);
    expect(await late.json()).toMatchObject({ ok: false, code: "RUN_ENDED" });
  });

  it("rejects malformed callbacks without reaching a workspace", async () => {
    const post = (path: string, auth = `Bearer ${"a".repeat(64)}`) =>
      exports.default.fetch(
        new Request(`http://mcp.test${path}`, {
          method: "POST",
          headers: { Authorization: auth },
          body: "{}",
        }),
      );
    expect((await post(`/internal/codemode/${"f".repeat(64)}/${"0".repeat(32)}`)).status).toBe(403);
    expect((await post(`/internal/codemode/${"f".repeat(64)}/${"0".repeat(32)}`, "Bearer nope")).status).toBe(
      403,
    );
    expect((await post("/internal/codemode/zz/yy")).status).toBe(404);
  });

  it("answers the Cloudflare virtual host through the outbound handler", async () => {
    const stub = workspaceClient(env.WORKSPACE.getByName("py-channel-2"));
    const run = await stub.codemode.openRun({ timeoutMs: 10_000 });
    const handler = codemodeOutboundByHost["codemode.internal"];
    const res = await handler(
      new Request(`http://codemode.internal/v1/${stub.id}/${run.runId}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${run.token}` },
        body: JSON.stringify({ server: "everything", tool: "echo", input: { message: "cf" } }),
      }),
      env,
    );
    expect(await res.json()).toEqual({ ok: true, value: "Echo: cf" });
    await stub.codemode.closeRun(run.runId);
  });

  it("generates a module that carries the run token and channel, never upstream headers", async () => {
    const stub = workspaceClient(env.WORKSPACE.getByName("py-channel-3"));
    const run = await stub.codemode.openRun({ timeoutMs: 10_000 });
    const source = pythonModuleSource({
      tools: run.tools,
      channel: { kind: "unix", path: `/workspace/.codemode-${run.runId}.sock` },
      token: run.token,
      callTimeoutSeconds: 10,
    });
    await stub.codemode.closeRun(run.runId);
    expect(source).toContain("class everything:");
    expect(source).toContain("def get_sum(*args, **kwargs):");
    expect(source).toContain(run.token);
    for (const secret of Object.values(UPSTREAM_SECRET_VALUES)) expect(source).not.toContain(secret);
    expect(source).not.toContain("127.0.0.1:"); // no upstream URL either
    expect(installCell(source)).toMatch(/^def __codemode_install\(source\):/);
  });
});
