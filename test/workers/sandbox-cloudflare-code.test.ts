// The Cloudflare adapter's code contexts on real containers: one per language, kept in
// the Sandbox Durable Object, recreated (and reported) when the container went away.
// Result normalization is checked on recorded interpreter outputs.
import { describe, expect, it } from "vitest";
import type { WorkspaceRef } from "../../src/sandbox/backend.ts";
import { normalizeRun } from "../../src/sandbox/cloudflare/code-results.ts";
import { executorPidPath } from "../../src/sandbox/cloudflare/executor-pid.ts";
import { sandboxIdFor } from "../../src/sandbox/cloudflare/sandbox-id.ts";
import {
  makeBackend,
  namespace,
  newWorkspace,
  REAL_TIMEOUT_MS,
  realRuntime,
  sandboxOf,
} from "./sandbox-cloudflare-setup.ts";

const opts = { timeoutMs: 20_000, outputLimitBytes: 65_536 };

/** The context id the Sandbox Durable Object has registered for a language. */
const registered = (ws: WorkspaceRef, language: string) =>
  namespace.get(namespace.idFromName(sandboxIdFor(ws.id))).getCodeContextId(language);
const contextCount = async (ws: WorkspaceRef) => (await sandboxOf(ws).listCodeContexts()).length;

describe.skipIf(!realRuntime)("cloudflare adapter: runCode contexts", { timeout: REAL_TIMEOUT_MS }, () => {
  it("registers one context per language in the Sandbox DO and reuses it", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    await backend.runCode(ws, "a = 1", "python", opts);
    const py = await registered(ws, "python");
    expect(py).toMatch(/[0-9a-f-]{36}/);
    await backend.runCode(ws, "b = 2", "python", opts);
    await backend.runCode(ws, "let c = 3", "javascript", opts);
    expect(await contextCount(ws)).toBe(2);
    expect(await registered(ws, "python")).toBe(py);
    expect(await registered(ws, "javascript")).toMatch(/[0-9a-f-]{36}/);
  });

  it("recreates a context lost with the container and flags contextReset once", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    await backend.runCode(ws, "x = 1", "python", opts);
    // The container goes away (as when it sleeps): its contexts and files are gone.
    await sandboxOf(ws).destroy();
    const r = await backend.runCode(ws, "print('fresh')", "python", opts);
    expect(r).toMatchObject({ success: true, stdout: "fresh\n", contextReset: true });
    const again = await backend.runCode(ws, "x", "python", opts);
    expect(again.contextReset).toBe(false);
    expect(again.error?.name).toBe("NameError");
  });

  it("kills the executor of a JavaScript run stuck in a loop (it ignores SIGTERM while busy)", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    await backend.runCode(ws, "1", "javascript", opts);
    const contextId = (await registered(ws, "javascript")) as string;
    const pid = (await backend.exec(ws, `cat ${executorPidPath(contextId)}`, opts)).stdout.trim();
    expect(pid).toMatch(/^\d+$/);
    const r = await backend.runCode(ws, "while (true) {}", "javascript", { ...opts, timeoutMs: 1_000 });
    expect(r.terminated).toBe("timeout");
    const alive = await backend.exec(ws, `kill -0 ${pid} 2>/dev/null && echo alive || echo gone`, opts);
    expect(alive.stdout).toBe("gone\n");
  });

  it("resetContext starts over without reporting a reset", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    await backend.runCode(ws, "y = 5", "python", opts);
    const r = await backend.runCode(ws, "y", "python", { ...opts, resetContext: true });
    expect(r.contextReset).toBe(false);
    expect(r.error?.name).toBe("NameError");
    expect(await contextCount(ws)).toBe(1);
  });

  it("reset forgets registered contexts, so the next run is not a 'reset'", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    await backend.runCode(ws, "z = 1", "python", opts);
    await backend.reset(ws);
    expect(await registered(ws, "python")).toBeNull();
    const r = await backend.runCode(ws, "print(2)", "python", opts);
    expect(r.contextReset).toBe(false);
  });

  it("re-runs a JavaScript or TypeScript cell that declares names, as in a notebook", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    const cell = "let x = 41\nconst f = (n) => n + 1\nclass K {}\nf(x)";
    for (let i = 0; i < 2; i++) {
      const r = await backend.runCode(ws, cell, "javascript", opts);
      expect(r).toMatchObject({ success: true, result: "42" });
    }
    const ts = "let n: number = 1\ninterface P { a: number }\nconst p: P = { a: n }\np.a + 1";
    for (let i = 0; i < 2; i++) {
      expect(await backend.runCode(ws, ts, "typescript", opts)).toMatchObject({ success: true, result: "2" });
    }
    expect(await backend.runCode(ws, "x + 1", "javascript", opts)).toMatchObject({ result: "42" });
  });

  it("reports a Python syntax error as a failure and prints no Out[n]", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    const bad = await backend.runCode(ws, "def f(:\n  pass", "python", opts);
    expect(bad).toMatchObject({ success: false, error: { name: "SyntaxError" } });
    const value = await backend.runCode(ws, "print('a')\n6 * 7", "python", opts);
    expect(value).toMatchObject({ success: true, stdout: "a\n", result: "42" });
  });
});

describe("cloudflare adapter: interpreter result normalization", () => {
  const base = { code: "", executionCount: 1, results: [] };

  it("moves IPython's printed traceback out of stdout and ends it with the error line", () => {
    const n = normalizeRun(
      {
        ...base,
        logs: {
          stdout: [
            "partial\n",
            `${"-".repeat(75)}\nKeyError                                  Traceback (most recent call last)\nCell In[3], line 2\n\nKeyError: 'k'\n`,
          ],
          stderr: [],
        },
        error: { name: "KeyError", message: "'k'", traceback: ['  File "<ipython>", line 2'] },
      },
      "python",
    );
    expect(n.stdout).toBe("partial\n");
    expect(n.error?.traceback.at(-1)).toBe("KeyError: 'k'");
    expect(n.error?.traceback[0]).toContain("Traceback (most recent call last)");
  });

  it("turns a printed Python syntax error into an error", () => {
    const n = normalizeRun(
      {
        ...base,
        logs: {
          stdout: ["  Cell In[1], line 1\n    def f(:\n          ^\nSyntaxError: invalid syntax\n"],
          stderr: [],
        },
      },
      "python",
    );
    expect(n.stdout).toBe("");
    expect(n.error).toMatchObject({ name: "SyntaxError", message: "invalid syntax" });
  });

  it("splits node's ExecutionError stack into name, message and frames, once", () => {
    const stack = "RangeError: too far\n    at <execution-1>:1:7\n    at run (node:vm:1:1)\n";
    const n = normalizeRun(
      {
        ...base,
        logs: { stdout: [], stderr: ["warn\n", stack] },
        error: { name: "ExecutionError", message: stack, traceback: [] },
      },
      "javascript",
    );
    expect(n.error).toEqual({
      name: "RangeError",
      message: "too far",
      traceback: ["at <execution-1>:1:7", "at run (node:vm:1:1)"],
    });
    expect(n.stderr).toBe("warn\n");
  });

  it("strips ANSI colour codes and maps images, text and JSON results", () => {
    const esc = String.fromCharCode(27);
    const n = normalizeRun(
      {
        ...base,
        logs: { stdout: [], stderr: [] },
        error: {
          name: "ValueError",
          message: `${esc}[0;31mbad${esc}[0m`,
          traceback: [`${esc}[1mframe${esc}[0m`],
        },
        results: [
          { png: "iVBORw0KGgo=", text: "<Figure>" },
          { svg: "<svg/>" },
          { json: [1, 2] },
          { text: "'x'" },
        ],
      },
      "python",
    );
    expect(n.error?.message).toBe("bad");
    expect(n.error?.traceback).toEqual(["frame", "ValueError: bad"]);
    expect(n.images).toEqual([
      { mimeType: "image/png", data: "iVBORw0KGgo=" },
      { mimeType: "image/svg+xml", data: btoa("<svg/>") },
    ]);
    expect(n.result).toBe("[1,2]\n'x'");
  });
});
