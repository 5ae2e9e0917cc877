/**
 * Issue 12, findings 10 and 11: what sandboxed code can no longer do or see. New
 * namespaces, mount, ptrace and the keyring are refused by the seccomp filter; the
 * host's command line and options do not show in /proc; workspace directory names are
 * keyed; over-long programs and names get clear answers.
 */
import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHost, type TestHost } from "../helpers/local-host.ts";

const EXEC = { timeoutMs: 20_000, outputLimitBytes: 64 * 1024 };

describe("closed doors", () => {
  let t: TestHost;
  beforeAll(async () => {
    t = await startTestHost();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("finding 10: no new namespaces, mount, ptrace or keyring calls inside", async () => {
    const ws = t.newWorkspace();
    const shell = await t.backend.exec(
      ws,
      [
        "unshare -U -r -m true && echo UNSHARE-OK",
        "unshare -U -r sh -c 'mount -t tmpfs x /tmp && echo MOUNT-OK'",
        "unshare -n true && echo NET-OK",
        "true",
      ].join("; "),
      EXEC,
    );
    expect(shell.stdout).not.toMatch(/-OK/);
    expect(shell.stderr).toMatch(/Operation not permitted/);

    const py = await t.backend.runCode(
      ws,
      `
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
def errno_of(rc):
    return 0 if rc == 0 else ctypes.get_errno()
results = {
    "unshare_user": errno_of(libc.unshare(0x10000000)),
    "unshare_mount": errno_of(libc.unshare(0x00020000)),
    "mount": errno_of(libc.mount(b"x", b"/tmp", b"tmpfs", 0, None)),
    "ptrace_attach": errno_of(libc.ptrace(16, 1, None, None)),
    "keyctl": errno_of(libc.syscall(250, 0, -3)),
    "add_key": errno_of(libc.syscall(248, b"user", b"k", b"v", 1, -3)),
    "setns": errno_of(libc.setns(0, 0)),
}
pid = os.fork()
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)
results["fork_still_works"] = "yes"
results
`,
      "python",
      EXEC,
    );
    expect(py.success).toBe(true);
    const r = py.result ?? "";
    for (const call of [
      "unshare_user",
      "unshare_mount",
      "mount",
      "ptrace_attach",
      "keyctl",
      "add_key",
      "setns",
    ]) {
      expect(r).toContain(`'${call}': 1`); // EPERM
    }
    expect(r).toContain("'fork_still_works': 'yes'");

    // threads, subprocesses and Node (clone/clone3 without namespace flags) keep working
    const js = await t.backend.runCode(
      ws,
      "require('node:child_process').execFileSync('/bin/echo', ['child ok']).toString()",
      "javascript",
      EXEC,
    );
    expect(js.result).toContain("child ok");
  });

  it("finding 11: host paths and options are not on the sandbox's command lines", async () => {
    const ws = t.newWorkspace();
    const r = await t.backend.exec(
      ws,
      "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done",
      EXEC,
    );
    expect(r.stdout).toContain("bwrap --args");
    expect(r.stdout).not.toContain(t.root);
    expect(r.stdout).not.toContain("--bind");
    expect(r.stdout).not.toContain(process.execPath);
  });

  it("finding 11: no host path shows inside (mountinfo, mounts, cgroup, open files, environment, cwd)", async () => {
    const ws = t.newWorkspace();
    const checkout = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");
    const hostDir = await t.hostDir(ws);
    const secrets = [t.root, checkout, hostDir, process.execPath];
    const shell = await t.backend.exec(
      ws,
      [
        "cat /proc/self/mountinfo /proc/self/mounts /proc/self/cgroup",
        "for p in /proc/[0-9]*; do cat $p/mountinfo $p/cgroup $p/environ 2>/dev/null; readlink $p/cwd $p/root $p/exe $p/fd/* 2>/dev/null; done",
        "env; pwd -P; readlink -f /opt/codemode/bin/node /opt/codemode/drivers",
      ].join("; "),
      EXEC,
    );
    expect(shell.stdout).toContain(" /workspace ");
    const py = await t.backend.runCode(
      ws,
      `
import os, glob
seen = [open(f).read() for f in ["/proc/self/mountinfo", "/proc/self/mounts", "/proc/self/cgroup"]]
for p in glob.glob("/proc/[0-9]*"):
    for f in ("mountinfo", "cgroup", "environ"):
        try: seen.append(open(p + "/" + f, errors="replace").read())
        except OSError: pass
    for fd in os.listdir(p + "/fd") if os.access(p + "/fd", os.R_OK) else []:
        try: seen.append(os.readlink(p + "/fd/" + fd))
        except OSError: pass
seen += [repr(dict(os.environ)), os.getcwd(), os.path.realpath("/workspace")]
print("\\n".join(seen))
`,
      "python",
      EXEC,
    );
    expect(py.stdout).toContain(" /workspace ");
    const js = await t.backend.runCode(
      ws,
      "const fs = require('node:fs'); console.log([fs.readFileSync('/proc/self/mountinfo', 'utf8'), process.execPath, process.cwd(), JSON.stringify(process.env), fs.realpathSync(process.execPath)].join('\\n'))",
      "javascript",
      EXEC,
    );
    expect(js.stdout).toContain(" /workspace ");
    const task = await t.backend.startProcess(ws, "cat /proc/self/mountinfo > seen.txt", {
      timeoutMs: 20_000,
    });
    for (let i = 0; i < 100 && (await t.backend.getProcess(ws, task.id))?.state === "running"; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const fromTask = new TextDecoder().decode(await t.backend.readFile(ws, "seen.txt"));
    expect(fromTask).toContain(" /workspace ");
    for (const text of [shell.stdout, py.stdout, js.stdout, fromTask]) {
      for (const secret of secrets) expect(text).not.toContain(secret);
      // /workspace is the top of a filesystem of its own, not a directory deep in the host's disk
      const line = text.split("\n").find((l) => / \/workspace /.test(l) && /^\d+ \d+ /.test(l));
      expect(line?.split(" ")[3]).toMatch(/^\/w-[0-9a-f]{40}$/);
    }
  });

  it("finding 1/11: workspace directory names cannot be derived from the workspace id", async () => {
    const ws = t.newWorkspace();
    await t.backend.writeFile(ws, "x.txt", new TextEncoder().encode("x"));
    const names = [...(await readdir(t.root)), ...(await readdir(join(t.root, "workspaces")))];
    const guesses = [ws.id, createHash("sha256").update(`sandbox:${ws.id}`).digest("hex")];
    for (const guess of guesses) expect(names.some((n) => n.includes(guess))).toBe(false);
  });

  it("finding 11: bash programs over 128 KiB run; over-long names get INVALID_PATH", async () => {
    const ws = t.newWorkspace();
    const big = `x=0\n${"x=$((x+1))\n".repeat(20_000)}echo "$x" "$0"`;
    expect(big.length).toBeGreaterThan(200 * 1024);
    const r = await t.backend.exec(ws, big, EXEC);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim().split(" ")[0]).toBe("20000");
    expect(r.exitCode).toBe(0);

    const long = "n".repeat(5000);
    for (const attempt of [
      () => t.backend.writeFile(ws, long, new Uint8Array([1])),
      () => t.backend.readFile(ws, `dir/${long}`),
      () => t.backend.mkdir(ws, long),
    ]) {
      await expect(attempt()).rejects.toMatchObject({ code: "INVALID_PATH" });
    }
  });

  it("finding 11: after a host restart the next run says its context was reset", async () => {
    const first = await startTestHost();
    const ws = first.newWorkspace();
    await first.backend.runCode(ws, "x = 41", "python", EXEC);
    await first.close({ keepRoot: true });
    const second = await startTestHost({ root: first.root });
    try {
      const same = { id: ws.id };
      const r = await second.backend.runCode(same, "x = 1\nx", "python", EXEC);
      expect(r.contextReset).toBe(true);
      const again = await second.backend.runCode(same, "x", "python", EXEC);
      expect(again.contextReset).toBe(false);
      const fresh = await second.backend.runCode(second.newWorkspace(), "1", "python", EXEC);
      expect(fresh.contextReset).toBe(false);
    } finally {
      await second.close();
    }
  });
});
