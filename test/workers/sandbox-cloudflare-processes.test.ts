import { describe, expect, it } from "vitest";
import { callsTo, fakeFor, makeBackend, newWorkspace } from "./sandbox-cloudflare-setup.ts";

describe("cloudflare adapter: processes", () => {
  it("starts processes under timeout with autoCleanup off, so finished ones stay visible", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    const p = await backend.startProcess(ws, "echo hi", { timeoutMs: 2_000, cwd: "sub" });
    const start = (await callsTo(ws)).find((c) => c.method === "startProcess");
    expect(start?.args).toEqual([
      "timeout --verbose -k 2 2.000s bash -c 'echo hi'",
      { cwd: "/workspace/sub", autoCleanup: false },
    ]);
    await new Promise((r) => setTimeout(r, 50));
    expect(await backend.getProcess(ws, p.id)).toMatchObject({ state: "exited" });
  });

  it("hides timeout's notice from process logs and reports the timeout as timed_out", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    const p = await backend.startProcess(ws, "echo err >&2; sleep 30", { timeoutMs: 200 });
    await new Promise((r) => setTimeout(r, 400));
    expect(await backend.getProcess(ws, p.id)).toMatchObject({ state: "timed_out", exitCode: null });
    const logs = await backend.processLogs(ws, p.id, { stdoutOffset: 0, stderrOffset: 0, limit: 100 });
    expect(logs?.stderr).toBe("err\n");
  });

  it("pages logs by byte offsets without splitting characters", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    const p = await backend.startProcess(ws, "echo héllo", { timeoutMs: 2_000 });
    await new Promise((r) => setTimeout(r, 50));
    const first = await backend.processLogs(ws, p.id, { stdoutOffset: 0, stderrOffset: 0, limit: 2 });
    expect(first).toMatchObject({ stdout: "h", stdoutOffset: 1 });
    const rest = await backend.processLogs(ws, p.id, { stdoutOffset: 1, stderrOffset: 0, limit: 100 });
    expect(rest).toMatchObject({ stdout: "éllo\n", stdoutOffset: 7 });
  });

  it("reset kills running processes", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    await backend.startProcess(ws, "sleep 30", { timeoutMs: 60_000 });
    expect(await fakeFor(ws).testRunningProcesses()).toBe(1);
    await backend.reset(ws);
    expect(await fakeFor(ws).testRunningProcesses()).toBe(0);
  });

  it("exposes the workspace durability note", () => {
    const backend = makeBackend({ sleepAfter: "15m" });
    expect(backend.durability.filesPersist).toBe(false);
    expect(backend.durability.note).toContain("15m");
  });
});
