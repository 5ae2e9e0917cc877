/**
 * Python code mode on the real local sandbox host (bubblewrap): the generated module in
 * the persistent context, the per-run unix socket relayed by the host, and the Worker
 * side played by a small HTTP server standing in for the callback route and the
 * workspace Durable Object (those run in workerd and have their own tests).
 */

import { readdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CodemodeCall } from "../../../src/codemode/calls.ts";
import { type CodemodeRunHost, runPythonWithCodemode } from "../../../src/codemode/python/run-python.ts";
import type { OpenedRun } from "../../../src/codemode/python/types.ts";
import type { UpstreamTool } from "../../../src/codemode/upstreams.ts";
import { startTestHost, type TestHost } from "../../helpers/local-host.ts";

const WORKSPACE_DO_ID = "a".repeat(64);

function tool(server: string, identifier: string, upstreamName = identifier): UpstreamTool {
  return {
    server,
    identifier,
    upstreamName,
    qualifiedName: `${server}.${identifier}`,
    description: `${identifier} tool`,
    inputSchema: { type: "object", properties: { a: { type: "number" } } },
  };
}

/** The Worker side: runs with tokens, and a fake upstream behind them. */
class FakeWorker implements CodemodeRunHost {
  readonly id = WORKSPACE_DO_ID;
  readonly runs = new Map<string, { token: string; open: boolean; calls: CodemodeCall[] }>();
  server!: Server;
  base = "";

  async start(): Promise<void> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const runId = /\/internal\/codemode\/[0-9a-f]{64}\/([0-9a-f]{32})$/.exec(req.url ?? "")?.[1] ?? "";
      const run = this.runs.get(runId);
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (!run || req.headers.authorization !== `Bearer ${run.token}`)
        return send(403, { ok: false, error: "bad" });
      if (!run.open)
        return send(403, { ok: false, code: "RUN_ENDED", error: "This code-mode run has ended." });
      const { server, tool: name, input } = JSON.parse(Buffer.concat(chunks).toString());
      const qualified = `${server}.${name}`;
      const entry: CodemodeCall = {
        tool: qualified,
        args_bytes: JSON.stringify(input).length,
        duration_ms: 1,
        ok: true,
      };
      run.calls.push(entry);
      if (qualified === "everything.get_sum") return send(200, { ok: true, value: input.a + input.b });
      if (qualified === "everything.fail") {
        entry.ok = false;
        return send(200, {
          ok: false,
          code: "UPSTREAM_TOOL_ERROR",
          error: "everything.fail: upstream says no",
        });
      }
      entry.ok = false;
      return send(200, { ok: false, code: "TOOL_NOT_ALLOWED", error: `${qualified} is not allowed` });
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    const address = this.server.address();
    this.base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  }

  async openRun(): Promise<OpenedRun> {
    const runId = crypto.randomUUID().replaceAll("-", "");
    const token = (crypto.randomUUID() + crypto.randomUUID()).replaceAll("-", "");
    this.runs.set(runId, { token, open: true, calls: [] });
    return { runId, token, tools: [tool("everything", "get_sum", "get-sum"), tool("everything", "fail")] };
  }

  async closeRun(runId: string): Promise<CodemodeCall[]> {
    const run = this.runs.get(runId);
    if (!run) return [];
    run.open = false;
    return run.calls;
  }
}

const opts = { timeoutMs: 30_000, outputLimitBytes: 64 * 1024 };

describe("Python code mode on the local sandbox host", () => {
  let t: TestHost;
  const worker = new FakeWorker();
  beforeAll(async () => {
    t = await startTestHost();
    await worker.start();
  }, 60_000);
  afterAll(async () => {
    worker.server?.close();
    await t?.close();
  });

  const deps = () => ({ sandbox: t.backend, workspace: worker, callbackBase: worker.base });

  it("calls upstream tools from Python, with upstream errors raised as CodemodeError", async () => {
    const ws = t.newWorkspace();
    const code = [
      "import codemode",
      "total = codemode.everything.get_sum(a=1, b=2) + codemode.everything.get_sum({'a': 10, 'b': 20})",
      "try:",
      "    codemode.everything.fail()",
      "except codemode.CodemodeError as e:",
      "    err = str(e)",
      "try:",
      "    codemode.call('everything.get-env')",
      "except codemode.CodemodeError as e:",
      "    denied = str(e)",
      "{'total': total, 'err': err, 'denied': denied}",
    ].join("\n");
    const { outcome, calls } = await runPythonWithCodemode({ ...deps(), ws }, code, opts);
    expect(outcome.error).toBeUndefined();
    expect(outcome.success).toBe(true);
    expect(outcome.result).toBe(
      "{'total': 33, 'err': 'everything.fail: upstream says no', 'denied': 'everything.get-env is not allowed'}",
    );
    expect(calls.map((c) => [c.tool, c.ok])).toEqual([
      ["everything.get_sum", true],
      ["everything.get_sum", true],
      ["everything.fail", false],
      ["everything.get-env", false],
    ]);
    // The socket existed only during the run, and nothing is left in the workspace.
    expect((await readdir(await t.hostDir(ws))).filter((n) => n.startsWith(".codemode"))).toEqual([]);
  }, 60_000);

  it("refuses calls after the run ended, from the same persistent context", async () => {
    const ws = t.newWorkspace();
    await runPythonWithCodemode({ ...deps(), ws }, "keep = codemode.everything.get_sum", opts);
    const later = await t.backend.runCode(
      ws,
      "try:\n    keep(a=1, b=1)\nexcept Exception as e:\n    out = type(e).__name__ + ': ' + str(e)\nout",
      "python",
      opts,
    );
    // The socket is gone, so the stale module cannot even reach the Worker.
    expect(later.result).toMatch(/CodemodeError: everything.get_sum: the code-mode channel is unavailable/);
  }, 60_000);
});
