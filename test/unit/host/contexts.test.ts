/** Persistent Python and JavaScript contexts on the real local host. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHost, type TestHost } from "../../helpers/local-host.ts";

const opts = { timeoutMs: 30_000, outputLimitBytes: 64 * 1024 };

describe("persistent contexts on the local host", () => {
  let t: TestHost;
  beforeAll(async () => {
    t = await startTestHost();
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it("caps a huge trailing value like the streams", async () => {
    const r = await t.backend.runCode(t.newWorkspace(), "list(range(100000))", "python", {
      ...opts,
      outputLimitBytes: 1024,
    });
    expect(r.result?.length).toBeLessThan(1200);
    expect(r.result).toContain("characters omitted");
  });

  it("supports top-level await in Python and imports in JavaScript/TypeScript", async () => {
    const ws = t.newWorkspace();
    const py = await t.backend.runCode(
      ws,
      "import asyncio\nawait asyncio.sleep(0.01)\n'done'",
      "python",
      opts,
    );
    expect(py.result).toBe("'done'");
    const js = await t.backend.runCode(
      ws,
      'import { basename } from "node:path";\nbasename("/a/b.txt")',
      "javascript",
      opts,
    );
    expect(js.result).toBe("'b.txt'");
    const ts = await t.backend.runCode(
      ws,
      "enum Color { Red, Green }\nconst c: Color = Color.Green; c",
      "typescript",
      opts,
    );
    expect(ts.result).toBe("1");
  });

  it("gives user code an empty stdin, per-run env and an explicit reset", async () => {
    const ws = t.newWorkspace();
    const stdin = await t.backend.runCode(ws, "input()", "python", opts);
    expect(stdin.error?.name).toBe("EOFError");
    const env = await t.backend.runCode(ws, "import os\nos.environ['RUN_FLAG']", "python", {
      ...opts,
      env: { RUN_FLAG: "on" },
    });
    expect(env.result).toBe("'on'");
    await t.backend.runCode(ws, "kept = 1", "python", opts);
    const fresh = await t.backend.runCode(ws, "'kept' in globals()", "python", {
      ...opts,
      resetContext: true,
    });
    expect(fresh.result).toBe("False");
  });

  it("reports a context killed by the memory limit and recovers", async () => {
    const ws = t.newWorkspace();
    const r = await t.backend.runCode(
      ws,
      "const a = []; while (true) a.push(new Array(1e6).fill(1));",
      "javascript",
      opts,
    );
    expect(r.success).toBe(false);
    expect(r.terminated).toBe("memory");
    const next = await t.backend.runCode(ws, "1 + 1", "javascript", opts);
    expect(next.result).toBe("2");
    expect(next.contextReset).toBe(true);
  }, 60_000);
});
