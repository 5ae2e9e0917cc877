/**
 * Issue 12, finding 4: FIFOs, devices and files swapped mid-read. The file tools refuse
 * anything but regular files without blocking, enforce the size limit on the bytes
 * actually read, and one workspace's traps never stall another principal's calls.
 */
import { chown, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkspaceRef } from "../../src/sandbox/backend.ts";
import { startTestHost, type TestHost } from "../helpers/local-host.ts";

const MiB = 1024 * 1024;
const EXEC = { timeoutMs: 20_000, outputLimitBytes: 4096 };
const bytes = (s: string) => new TextEncoder().encode(s);

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T | Error }> {
  const started = performance.now();
  const value = await work().catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
  return { ms: performance.now() - started, value };
}

describe("special files cannot stall or overflow the host", () => {
  let t: TestHost;
  let attacker: WorkspaceRef;
  let bystander: WorkspaceRef;

  beforeAll(async () => {
    t = await startTestHost({ maxFileSizeBytes: MiB });
    attacker = t.newWorkspace();
    bystander = t.newWorkspace();
    await t.backend.writeFile(bystander, "mine.txt", bytes("bystander"));
  });
  afterAll(async () => {
    await t?.close();
  });

  it("refuses FIFOs and devices at once, while another principal keeps working", async () => {
    await t.backend.exec(attacker, "mkfifo p1 p2 p3 p4 && ln -s /dev/zero z && ln -s /dev/null n", EXEC);
    const baseline = await timed(() => t.backend.exec(bystander, "echo ok", EXEC));

    const traps = ["p1", "p2", "p3", "p4"].flatMap((p) => [
      timed(() => t.backend.readFile(attacker, p)),
      timed(() => t.backend.writeFile(attacker, p, bytes("x"))),
    ]);
    const devices = ["z", "n"].map((p) => timed(() => t.backend.readFile(attacker, p)));
    const others = Array.from({ length: 4 }, (_, i) =>
      timed(async () => {
        const r = await t.backend.exec(bystander, `echo ok-${i}`, EXEC);
        const f = new TextDecoder().decode(await t.backend.readFile(bystander, "mine.txt"));
        return `${r.stdout.trim()} ${f}`;
      }),
    );
    const [trapResults, deviceResults, otherResults] = await Promise.all([
      Promise.all(traps),
      Promise.all(devices),
      Promise.all(others),
    ]);
    for (const r of trapResults) {
      expect(r.value).toMatchObject({ code: "NOT_A_FILE" });
      expect(r.ms).toBeLessThan(15_000);
    }
    for (const r of deviceResults) expect(r.value).toMatchObject({ code: "PATH_OUTSIDE_WORKSPACE" });
    otherResults.forEach((r, i) => {
      expect(r.value).toBe(`ok-${i} bystander`);
      // bounded slowdown: a loaded 2-core machine gets generous room, a stall does not
      expect(r.ms).toBeLessThan(Math.max(10 * baseline.ms, 10_000));
    });
  });

  it("a file swapped for a FIFO or a larger file mid-read never hangs or passes the limit", async () => {
    // sandboxed code cannot write past the file-size rlimit, so the test puts a file over
    // the read limit into the workspace from outside (as an older, larger limit could have)
    const wsDir = await t.hostDir(attacker);
    await writeFile(join(wsDir, "big"), Buffer.alloc(2 * MiB, 120));
    const { uid, gid } = await stat(wsDir);
    await chown(join(wsDir, "big"), uid, gid);
    const loop = `exec python3 -c '
import os
open("small", "w").write("s" * 10)
os.mkfifo("fifo")
while True:
    for src in ("small", "big", "fifo"):
        try:
            os.link(src, "t")
            os.replace("t", "f")
        except OSError:
            pass
'`;
    const proc = await t.backend.startProcess(attacker, loop, { timeoutMs: 120_000 });
    for (let i = 0; i < 100 && !(await t.backend.stat(attacker, "f").catch(() => null)); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const codes = new Map<string, number>();
    let next = 0;
    let slowest = 0;
    try {
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < 300) {
            next++;
            const r = await timed(() => t.backend.readFile(attacker, "f"));
            slowest = Math.max(slowest, r.ms);
            const key = r.value instanceof Error ? String((r.value as { code?: string }).code) : "read";
            if (!(r.value instanceof Error)) expect(r.value.byteLength).toBeLessThanOrEqual(MiB);
            codes.set(key, (codes.get(key) ?? 0) + 1);
          }
        }),
      );
    } finally {
      await t.backend.killProcess(attacker, proc.id);
    }
    const outcomes = [...codes.keys()].filter((k) => !["read", "FILE_TOO_LARGE", "NOT_A_FILE"].includes(k));
    expect(outcomes, JSON.stringify([...codes])).toEqual([]);
    // the swap really happened: all three outcomes were seen
    expect(codes.get("read")).toBeGreaterThan(0);
    expect((codes.get("FILE_TOO_LARGE") ?? 0) + (codes.get("NOT_A_FILE") ?? 0)).toBeGreaterThan(0);
    expect(slowest).toBeLessThan(15_000);
  });
});
