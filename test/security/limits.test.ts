/**
 * Issue 12, findings 6 and 9: limits that add up. Idle sandboxes of other principals do
 * not exhaust a shared memory pool (the parent budget is its own setting), and a
 * workspace's disk quota holds for file tools and code alike with a DISK_QUOTA error.
 */
import { readdir, readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHost, type TestHost } from "../helpers/local-host.ts";

const MiB = 1024 * 1024;
const RUN = { timeoutMs: 60_000, outputLimitBytes: 4096 };

describe("limits that add up", () => {
  let t: TestHost;
  beforeAll(async () => {
    // per-sandbox memory 160 MiB: before the fix the parent group had the same limit
    t = await startTestHost({ memoryBytes: 160 * MiB, diskQuotaBytes: 24 * MiB });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("finding 6: idle sandboxes holding memory do not starve another principal", async () => {
    if (t.host.isolation.mechanism === "rlimit") return; // no shared cgroup parent here
    const idle = Array.from({ length: 6 }, () => t.newWorkspace());
    // 6 × 60 MiB kept alive: far over one sandbox's 160 MiB, within the parent budget
    const held = await Promise.all(
      idle.map((ws) => t.backend.runCode(ws, "keep = bytearray(60 * 1024**2)\nlen(keep)", "python", RUN)),
    );
    for (const r of held) expect(r.result).toBe(String(60 * MiB));
    const other = t.newWorkspace();
    const r = await t.backend.runCode(other, "b = bytearray(100 * 1024**2)\nlen(b)", "python", RUN);
    expect(r.terminated).toBeUndefined();
    expect(r.result).toBe(String(100 * MiB));
    // and one sandbox's own limit still holds
    const over = await t.backend.runCode(other, "c = bytearray(300 * 1024**2)", "python", RUN);
    expect(over.success).toBe(false);
  });

  it("finding 9: the disk quota holds for write_file and for code", async () => {
    const ws = t.newWorkspace();
    await t.backend.writeFile(ws, "a.bin", new Uint8Array(10 * MiB));
    await expect(t.backend.writeFile(ws, "b.bin", new Uint8Array(20 * MiB))).rejects.toMatchObject({
      code: "DISK_QUOTA",
    });
    // replacing a file counts only the difference
    await t.backend.writeFile(ws, "a.bin", new Uint8Array(12 * MiB));

    // code that writes past the quota is stopped and answered with DISK_QUOTA
    const fill = "for i in $(seq 1 8); do head -c 8M /dev/zero > f$i.bin; done; echo wrote";
    await expect(t.backend.exec(ws, fill, RUN)).rejects.toMatchObject({ code: "DISK_QUOTA" });
    await expect(
      t.backend.runCode(ws, "open('/workspace/g.bin','wb').write(b'x' * 30 * 1024**2)", "python", RUN),
    ).rejects.toMatchObject({ code: "DISK_QUOTA" });

    // deleting files brings the workspace back
    await t.backend.exec(ws, "rm -f f*.bin g.bin", RUN).catch(() => undefined);
    const ok = await t.backend.exec(ws, "echo fine", RUN);
    expect(ok.stdout).toBe("fine\n");
    await t.backend.writeFile(ws, "small.txt", new TextEncoder().encode("ok"));
  });

  it("finding 9: a background process over the quota is stopped and says why", async () => {
    const ws = t.newWorkspace();
    const proc = await t.backend.startProcess(
      ws,
      "for i in $(seq 1 100); do head -c 4M /dev/zero > p$i.bin; sleep 0.2; done",
      { timeoutMs: 60_000 },
    );
    let info = await t.backend.getProcess(ws, proc.id);
    for (let i = 0; i < 200 && info?.state === "running"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      info = await t.backend.getProcess(ws, proc.id);
    }
    expect(info?.state).toBe("killed");
    const logs = await t.backend.processLogs(ws, proc.id, { stdoutOffset: 0, stderrOffset: 0, limit: 4096 });
    expect(logs?.stderr).toContain("disk quota");
  });
});

describe("idle sandboxes are reclaimed", () => {
  let t: TestHost;
  beforeAll(async () => {
    t = await startTestHost({ contextIdleMs: 2_000 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("a context whose session went away without a DELETE is stopped, and the next run says so", async () => {
    const ws = t.newWorkspace();
    const first = await t.backend.runCode(ws, "keep = bytearray(50 * 1024**2)\nlen(keep)", "python", RUN);
    expect(first.result).toBe(String(50 * MiB));
    // nobody calls again (the client vanished): the reaper stops the context after its idle time
    await new Promise((r) => setTimeout(r, 6_000));
    const next = await t.backend.runCode(ws, "'keep' in globals()", "python", RUN);
    expect(next.contextReset).toBe(true);
    expect(next.result).toBe("False");
    // a context in use is never reclaimed under it
    const busy = await t.backend.runCode(ws, "import time\ntime.sleep(4)\nx = 1\nx", "python", RUN);
    expect(busy.result).toBe("1");
    const still = await t.backend.runCode(ws, "x", "python", RUN);
    expect(still.contextReset).toBeFalsy();
  });

  it("a release (last session gone) stops idle contexts at once but never a run in progress", async () => {
    const ws = t.newWorkspace();
    await t.backend.runCode(ws, "x = 1", "python", RUN);
    const running = t.backend.runCode(ws, "import time\ntime.sleep(2)\nx + 1", "python", RUN);
    await new Promise((r) => setTimeout(r, 500));
    await t.backend.release(ws);
    const r = await running;
    expect(r.result).toBe("2");
    expect(await t.backend.liveSandboxes(ws)).toEqual({ contexts: ["python"], warmShell: false });
    await t.backend.release(ws);
    expect(await t.backend.liveSandboxes(ws)).toEqual({ contexts: [], warmShell: false });
    const next = await t.backend.runCode(ws, "'x' in globals()", "python", RUN);
    expect(next.result).toBe("False");
    expect(next.contextReset).toBe(true);
  });

  it("a warm bash runner whose session went away is stopped too, and the next run works", async () => {
    const ws = t.newWorkspace();
    const first = await t.backend.exec(ws, "echo warm", RUN);
    expect(first.stdout).toBe("warm\n");
    expect((await ownRunners()).length).toBe(1);
    await new Promise((r) => setTimeout(r, 6_000));
    expect(await ownRunners()).toEqual([]);
    const next = await t.backend.exec(ws, "echo again", RUN);
    expect(next.stdout).toBe("again\n");
  });
});

/** Host pids of warm bash runners started by this test process (the host runs in it). */
async function ownRunners(): Promise<number[]> {
  const parent = new Map<number, number>();
  const cmd = new Map<number, string>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    parent.set(Number(entry), ppid);
    cmd.set(Number(entry), await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => ""));
  }
  const mine = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p))
      if (p === process.pid) return true;
    return false;
  };
  return [...cmd.entries()]
    .filter(
      ([pid, c]) => /python3?$/.test(c.split("\0")[0] ?? "") && c.includes("shell_driver.py") && mine(pid),
    )
    .map(([pid]) => pid);
}
