/**
 * What sandboxed code must not be able to do on the local host, checked for real:
 * network, host secrets, writes outside /workspace, and the resource limits.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FORK_LOOP, startTestHost, type TestHost } from "../../helpers/local-host.ts";

const T = 60_000;
const MiB = 1024 * 1024;
const HOST_SECRET_ENV = "CODEMODE_TEST_HOST_ONLY_SECRET";
const HOST_SECRET_VALUE = "must-not-leak-3f9a1c";

describe("local host isolation", () => {
  let t: TestHost;
  const opts = { timeoutMs: 30_000, outputLimitBytes: 64 * 1024 };

  beforeAll(async () => {
    process.env[HOST_SECRET_ENV] = HOST_SECRET_VALUE;
    t = await startTestHost({ maxFileSizeBytes: 16 * MiB, maxProcesses: 64 });
  }, 60_000);
  afterAll(async () => {
    delete process.env[HOST_SECRET_ENV];
    await t?.close();
  });

  it("runs under bubblewrap as a non-root user", async () => {
    expect(t.host.isolation.mode).toBe("bubblewrap");
    const r = await t.backend.exec(t.newWorkspace(), "id -u; cat /proc/self/status | grep CapEff", opts);
    expect(r.stdout.split("\n")[0]).not.toBe("0");
    expect(r.stdout).toContain("CapEff:\t0000000000000000");
  });

  it("has no network from Python or the shell", async () => {
    const ws = t.newWorkspace();
    const code =
      "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 80), timeout=3)\n    print('connected')\nexcept OSError as e:\n    print('blocked', e.errno)";
    const r = await t.backend.runCode(ws, code, "python", opts);
    expect(r.stdout).toMatch(/^blocked/);
    const ifaces = await t.backend.exec(ws, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '", opts);
    expect(ifaces.stdout.trim()).toBe("lo");
  });

  it("does not see the host's environment or secrets", async () => {
    const ws = t.newWorkspace();
    const r = await t.backend.exec(ws, "env; cat /proc/1/environ 2>/dev/null | tr '\\0' '\\n'", opts);
    expect(r.stdout).not.toContain(HOST_SECRET_VALUE);
    expect(r.stdout).not.toContain(t.secret);
    expect(r.stdout).not.toContain("SANDBOX_HOST");
    expect(r.stdout).toContain("HOME=/workspace");
    const py = await t.backend.runCode(ws, "import os\nsorted(os.environ)", "python", opts);
    expect(py.result).not.toContain(HOST_SECRET_ENV);
    const js = await t.backend.runCode(ws, "Object.keys(process.env).join(',')", "javascript", opts);
    expect(js.result).not.toContain(HOST_SECRET_ENV);
  });

  it("cannot write outside /workspace; /tmp is private", async () => {
    const ws = t.newWorkspace();
    const r = await t.backend.exec(
      ws,
      "for p in /usr/x /etc/x /opt/codemode/x /x; do touch $p 2>/dev/null && echo wrote $p; done; touch /tmp/mine && echo tmp-ok",
      opts,
    );
    expect(r.stdout).toBe("tmp-ok\n");
    const other = await t.backend.exec(t.newWorkspace(), "ls /tmp/mine 2>&1 || true", opts);
    expect(other.stdout).toContain("No such file");
  });

  it("sees only its own processes", async () => {
    const r = await t.backend.exec(t.newWorkspace(), "ls /proc | grep -c '^[0-9]'", opts);
    expect(Number(r.stdout.trim())).toBeLessThan(8);
  });

  it(
    "stops a fork bomb and keeps working",
    async () => {
      const ws = t.newWorkspace();
      const r = await t.backend.exec(ws, `python3 -c '${FORK_LOOP}'`, opts);
      expect(r.stdout).toMatch(/^stopped \d+ 11/);
      expect(Number(r.stdout.split(" ")[1])).toBeLessThanOrEqual(64);
      const bomb = await t.backend.exec(ws, "bomb() { bomb | bomb & }; bomb; sleep 2; echo survived", {
        ...opts,
        timeoutMs: 4_000,
      });
      expect(bomb.terminated === "timeout" || bomb.exitCode !== null).toBe(true);
      expect((await t.backend.exec(ws, "echo fine", opts)).stdout).toBe("fine\n");
    },
    T,
  );

  it(
    "stops a 2 GB allocation and keeps working",
    async () => {
      const ws = t.newWorkspace();
      const r = await t.backend.runCode(ws, "b = bytearray(2 * 1024**3)\nprint('allocated')", "python", opts);
      expect(r.success).toBe(false);
      expect(r.stdout).not.toContain("allocated");
      expect(r.terminated === "memory" || r.error?.name === "MemoryError").toBe(true);
      const next = await t.backend.runCode(ws, "print('ok')", "python", opts);
      expect(next.stdout).toBe("ok\n");
      const sh = await t.backend.exec(ws, "python3 -c 'bytearray(2 * 1024**3)'; echo rc=$?", opts);
      expect(sh.stdout).not.toContain("rc=0");
    },
    T,
  );

  it(
    "stops a 1 GB file write at the file size limit and keeps working",
    async () => {
      const ws = t.newWorkspace();
      const r = await t.backend.exec(ws, "head -c 1G /dev/zero > big.bin; echo rc=$?", opts);
      expect(r.stdout).not.toContain("rc=0");
      const st = await t.backend.stat(ws, "big.bin");
      expect(st?.size ?? 0).toBeLessThanOrEqual(16 * MiB);
      const py = await t.backend.runCode(
        ws,
        "try:\n    with open('big2.bin', 'wb') as f:\n        f.write(b'0' * (64 * 1024 * 1024))\nexcept OSError as e:\n    print('stopped', e.errno)",
        "python",
        opts,
      );
      expect(py.stdout).toBe("stopped 27\n");
      await t.backend.deleteFile(ws, "big.bin");
      expect((await t.backend.exec(ws, "echo fine > small.txt && cat small.txt", opts)).stdout).toBe(
        "fine\n",
      );
    },
    T,
  );

  it("rejects a symlink to / and leaves its target alone", async () => {
    const ws = t.newWorkspace();
    await t.backend.exec(
      ws,
      "ln -s / root; ln -s /etc/hostname host; ln -s /nonexistent-dir/f dangling",
      opts,
    );
    // One at a time: a rejection that is not awaited yet would surface as unhandled.
    for (const op of [
      () => t.backend.readFile(ws, "root/etc/hostname"),
      () => t.backend.readFile(ws, "host"),
      () => t.backend.listFiles(ws, "root", true),
      () => t.backend.stat(ws, "root/etc"),
      () => t.backend.writeFile(ws, "host", new TextEncoder().encode("pwned")),
      () => t.backend.mkdir(ws, "root/tmp/evil"),
    ]) {
      await expect(op()).rejects.toMatchObject({ code: "PATH_OUTSIDE_WORKSPACE" });
    }
    await expect(t.backend.writeFile(ws, "dangling", new Uint8Array([1]))).rejects.toMatchObject({
      code: "PATH_OUTSIDE_WORKSPACE",
    });
    // deleting the link removes the link, not what it points to
    await t.backend.deleteFile(ws, "root");
    expect(await t.backend.stat(ws, "root")).toBeNull();
  });
});
