import { describe, expect, it } from "vitest";
import { normalizeRun } from "../../src/sandbox/cloudflare/code-results.ts";
import { callsTo, fakeFor, makeBackend, newWorkspace } from "./sandbox-cloudflare-setup.ts";

const opts = { timeoutMs: 5_000, outputLimitBytes: 65_536 };

describe("cloudflare adapter: runCode contexts", () => {
  it("registers one context per language in the Sandbox DO and reuses it", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    await backend.runCode(ws, "a = 1", "python", opts);
    await backend.runCode(ws, "b = 2", "python", opts);
    await backend.runCode(ws, "let c = 3", "javascript", opts);
    const fake = fakeFor(ws);
    expect(await fake.testContextCount()).toBe(2);
    const py = await fake.getCodeContextId("python");
    expect(py).toMatch(/[0-9a-f-]{36}/);
    const created = (await callsTo(ws)).filter((c) => c.method === "createCodeContext");
    expect(created.map((c) => c.args[0])).toEqual([
      { language: "python", cwd: "/workspace" },
      { language: "javascript", cwd: "/workspace" },
    ]);
  });

  it("recreates a context lost with the container and flags contextReset once", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    await backend.runCode(ws, "x = 1", "python", opts);
    await fakeFor(ws).testRestartContainer(); // the container slept: contexts and files gone
    const r = await backend.runCode(ws, "print('fresh')", "python", opts);
    expect(r).toMatchObject({ success: true, stdout: "fresh\n", contextReset: true });
    const again = await backend.runCode(ws, "x", "python", opts);
    expect(again.contextReset).toBe(false);
    expect(again.error?.name).toBe("NameError");
  });

  it("deletes a timed-out context (killing the interpreter) and returns the output so far", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    const r = await backend.runCode(ws, "print('tick')\nwhile True:\n    pass", "python", {
      ...opts,
      timeoutMs: 300,
    });
    expect(r).toMatchObject({ success: false, terminated: "timeout", stdout: "tick\n" });
    expect(r.error?.name).toBe("TimeoutError");
    expect(await fakeFor(ws).testContextCount()).toBe(0);
  });

  it("resetContext starts over without reporting a reset", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    await backend.runCode(ws, "y = 5", "python", opts);
    const r = await backend.runCode(ws, "y", "python", { ...opts, resetContext: true });
    expect(r.contextReset).toBe(false);
    expect(r.error?.name).toBe("NameError");
    expect(await fakeFor(ws).testContextCount()).toBe(1);
  });

  it("reset forgets registered contexts, so the next run is not a 'reset'", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    await backend.runCode(ws, "z = 1", "python", opts);
    await backend.reset(ws);
    expect(await fakeFor(ws).getCodeContextId("python")).toBeNull();
    const r = await backend.runCode(ws, "print(2)", "python", opts);
    expect(r.contextReset).toBe(false);
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
