// The Cloudflare adapter's background processes on real containers: how they are
// started, timeouts as `timed_out` without timeout's notice, byte-offset log paging, and
// reset. Start/logs/kill and unknown ids are in the shared contract.
import { describe, expect, it } from "vitest";
import type { ProcessInfo } from "../../src/sandbox/backend.ts";
import {
  makeBackend,
  newWorkspace,
  REAL_TIMEOUT_MS,
  realRuntime,
  SandboxFaults,
} from "./sandbox-cloudflare-setup.ts";

async function until<T>(probe: () => Promise<T>, done: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (done(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}
const ended = (p: ProcessInfo | null) => p !== null && p.state !== "running";

describe.skipIf(!realRuntime)("cloudflare adapter: processes", { timeout: REAL_TIMEOUT_MS }, () => {
  it("starts processes under timeout with autoCleanup off, so finished ones stay visible", async () => {
    const faults = new SandboxFaults();
    const backend = makeBackend({}, faults);
    const ws = newWorkspace();
    await backend.mkdir(ws, "sub");
    const p = await backend.startProcess(ws, "echo hi; pwd", { timeoutMs: 5_000, cwd: "sub" });
    const start = faults.calls.find((c) => c.method === "startProcess");
    expect(start?.args).toEqual([
      "timeout --verbose -k 2 5.000s bash -c 'echo hi; pwd'",
      { cwd: "/workspace/sub", autoCleanup: false },
    ]);
    expect(await until(() => backend.getProcess(ws, p.id), ended)).toMatchObject({
      state: "exited",
      exitCode: 0,
    });
    const logs = await backend.processLogs(ws, p.id, { stdoutOffset: 0, stderrOffset: 0, limit: 100 });
    expect(logs?.stdout).toBe("hi\n/workspace/sub\n");
  });

  it("hides timeout's notice from process logs and reports the timeout as timed_out", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    const p = await backend.startProcess(ws, "echo err >&2; sleep 30", { timeoutMs: 2_000 });
    expect(await until(() => backend.getProcess(ws, p.id), ended)).toMatchObject({
      state: "timed_out",
      exitCode: null,
    });
    const logs = await backend.processLogs(ws, p.id, { stdoutOffset: 0, stderrOffset: 0, limit: 100 });
    expect(logs?.stderr).toBe("err\n");
  });

  it("pages logs by byte offsets without splitting characters", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    const p = await backend.startProcess(ws, "echo héllo", { timeoutMs: 5_000 });
    await until(() => backend.getProcess(ws, p.id), ended);
    const first = await backend.processLogs(ws, p.id, { stdoutOffset: 0, stderrOffset: 0, limit: 2 });
    expect(first).toMatchObject({ stdout: "h", stdoutOffset: 1 });
    const rest = await backend.processLogs(ws, p.id, { stdoutOffset: 1, stderrOffset: 0, limit: 100 });
    expect(rest).toMatchObject({ stdout: "éllo\n", stdoutOffset: 7 });
  });

  it("exposes the workspace durability note", () => {
    const backend = makeBackend({ sleepAfter: "15m" });
    expect(backend.durability.filesPersist).toBe(false);
    expect(backend.durability.note).toContain("15m");
  });
});
