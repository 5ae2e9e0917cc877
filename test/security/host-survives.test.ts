/**
 * Issue 12, findings 5, 7 and 8: sandboxed code that kills its own driver mid-protocol,
 * floods the driver's response pipe, or raises a giant error. The host (running in this
 * test process, so an unhandled error fails the run) survives, holds bounded memory,
 * returns capped results, and other principals keep working within a bounded slowdown.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHost, type TestHost } from "../helpers/local-host.ts";

const RUN = { timeoutMs: 30_000, outputLimitBytes: 4096 };
const MiB = 1024 * 1024;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

describe("the host survives its sandboxes", () => {
  let t: TestHost;
  beforeAll(async () => {
    t = await startTestHost();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("finding 5: a driver that exits while runs are queued on it never crashes the host", async () => {
    const ws = t.newWorkspace();
    // the exit lands at varying moments around the host's next write to the driver
    const exit = (ms: number) =>
      `import threading, os\nthreading.Timer(${ms / 1000}, lambda: os._exit(0)).start()`;
    let answered = 0;
    for (let round = 0; round < 40; round++) {
      const runs = [
        t.backend.runCode(ws, exit(round % 20), "python", RUN),
        t.backend.runCode(ws, "1 + 1", "python", RUN),
        t.backend.runCode(ws, "2 + 2", "python", RUN),
      ];
      for (const r of await Promise.all(runs)) {
        answered++;
        // each run either ran or reports the context it lost; none is an error
        expect(r.success || r.terminated === "killed").toBe(true);
      }
    }
    expect(answered).toBe(120);
    await new Promise((r) => setTimeout(r, 200)); // let the last timer fire
    await t.backend.runCode(ws, "0", "python", RUN);
    const after = await t.backend.runCode(ws, "40 + 2", "python", RUN);
    expect(after.result).toBe("42");
  });

  it("finding 7: 64 MiB without a newline on the response pipe is cut off, not buffered", async () => {
    const victim = t.newWorkspace();
    const other = t.newWorkspace();
    const ping = async () => {
      const started = performance.now();
      const r = await t.backend.exec(other, "echo ok", RUN);
      expect(r.stdout).toBe("ok\n");
      return performance.now() - started;
    };
    const baseline = median([await ping(), await ping(), await ping()]);
    await t.backend.runCode(victim, "1", "python", RUN); // warm context
    // the driver's response channel, found the way any cell can: the caller's globals
    const flood = `
import os, sys
fd = sys._getframe(1).f_globals["_resp_fd"]
chunk = b"x" * ${MiB}
for _ in range(64):
    os.write(fd, chunk)
`;
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const during: number[] = [];
    const flooding = t.backend.runCode(victim, flood, "python", RUN);
    for (let i = 0; i < 5; i++) during.push(await ping());
    const result = await flooding;
    clearInterval(sampler);
    expect(result.success).toBe(false);
    expect(result.terminated).toBe("killed");
    expect(result.error?.message).toContain("over-long response");
    // the cut-off sits at 8 × the output limit + 24 MiB: nowhere near 64 MiB, let alone 556 MB
    expect(peak - rssBefore).toBeLessThan(150 * MiB);
    expect(median(during)).toBeLessThan(Math.max(10 * baseline, 5_000));
    const next = await t.backend.runCode(victim, "6 * 7", "python", RUN);
    expect(next.result).toBe("42");
    expect(next.contextReset).toBe(true);
  });

  it("finding 8: error messages and tracebacks follow the output cap", async () => {
    const ws = t.newWorkspace();
    const py = await t.backend.runCode(ws, "raise Exception('E' * 30_000_000)", "python", RUN);
    expect(py.success).toBe(false);
    expect(py.error?.name).toBe("Exception");
    expect(py.error?.message.length).toBeLessThan(RUN.outputLimitBytes + 100);
    expect(py.error?.message).toContain("characters omitted");
    expect(py.error?.traceback.join("\n").length).toBeLessThan(RUN.outputLimitBytes + 200);

    const js = await t.backend.runCode(ws, "throw new Error('E'.repeat(30_000_000))", "javascript", RUN);
    expect(js.success).toBe(false);
    expect(js.error?.message.length).toBeLessThan(RUN.outputLimitBytes + 100);
    expect(js.error?.traceback.join("\n").length).toBeLessThan(RUN.outputLimitBytes + 200);

    const value = await t.backend.runCode(ws, "'v' * 30_000_000", "python", RUN);
    expect(value.result?.length).toBeLessThan(RUN.outputLimitBytes + 100);
  });
});
