/**
 * Issue 12: the local container runner (containers/) meets the local host's bar. Each
 * test attacks a real container server in its bubblewrap container, through the
 * runner's own HTTP API, and checks the host side: the container's root is not the
 * host's root; it sees neither the checkout, `.dev.vars`, another container, nor host
 * paths; it has no network beyond its control channel; it cannot make namespaces or
 * mounts; and a fork bomb fails as user code while the server keeps serving.
 */
import { randomBytes } from "node:crypto";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, REPO_ROOT, serverMissingReason } from "../../containers/src/config.ts";
import { type ContainerRunner, createContainerRunner } from "../../containers/src/server.ts";
import { makeVictim, type Victim } from "./victim.ts";

const missing = serverMissingReason();
const isRoot = process.getuid?.() === 0;

interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A process the container started, found from the host by its unique command line. */
async function hostProcessesWith(marker: string): Promise<Array<{ pid: number; uids: number[] }>> {
  const found: Array<{ pid: number; uids: number[] }> = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (!cmdline.includes(marker)) continue;
    const status = await readFile(`/proc/${entry}/status`, "utf8").catch(() => "");
    const uids = (/^Uid:\s+(.*)$/m.exec(status)?.[1] ?? "").split(/\s+/).map(Number);
    found.push({ pid: Number(entry), uids });
  }
  return found;
}

describe.skipIf(missing !== null)("local container runner: isolation (issue 12)", () => {
  const secret = randomBytes(24).toString("hex");
  const headers = { authorization: `Bearer ${secret}`, "content-type": "application/json" };
  let runner: ContainerRunner;
  let root: string;
  let victim: Victim;
  let canary: string;

  async function start(id: string): Promise<void> {
    const r = await fetch(`${runner.url}/containers/${id}`, { method: "PUT", headers, body: "{}" });
    expect(r.status, await r.clone().text()).toBe(200);
  }

  async function exec(id: string, command: string): Promise<ExecResult> {
    const r = await fetch(`${runner.url}/containers/${id}/port/3000/api/execute`, {
      method: "POST",
      headers,
      body: JSON.stringify({ command }),
    });
    const body = (await r.json()) as ExecResult & { message?: string };
    if (r.status !== 200) throw new Error(`exec failed (${r.status}): ${body.message ?? ""}`);
    return body;
  }

  async function running(id: string): Promise<boolean> {
    const r = await fetch(`${runner.url}/containers/${id}`, { headers });
    return ((await r.json()) as { running: boolean }).running;
  }

  beforeAll(async () => {
    root = join(tmpdir(), `codemode-runner-${randomBytes(4).toString("hex")}`);
    runner = await createContainerRunner(
      loadConfig({
        CONTAINER_RUNNER_SECRET: secret,
        CONTAINER_RUNNER_PORT: "0",
        CONTAINER_RUNNER_ROOT: root,
      }),
      () => undefined,
    );
    victim = await makeVictim();
    // A file in the runner's own directory (beside the control sockets).
    canary = `runner-canary-${randomBytes(4).toString("hex")}`;
    await writeFile(join(root, canary), "runner secret\n", { mode: 0o600 });
    await Promise.all([start("alpha"), start("beta")]);
  });

  afterAll(async () => {
    await runner?.close();
    await victim?.remove();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("the container's root is an unprivileged uid on the host, and the system is read-only", async () => {
    const marker = `31337.${Date.now() % 1000}`;
    const r = await exec(
      "alpha",
      [
        "id -u",
        `(sleep ${marker} &)`,
        "echo x >> /usr/bin/env && echo WROTE-USR",
        "echo x >> /etc/passwd && echo WROTE-ETC",
        "chown 0:0 /usr/bin/env && echo CHOWNED",
        "true",
      ].join("; "),
    );
    expect(r.stdout.split("\n")[0]).toBe("0"); // root inside …
    expect(r.stdout).not.toMatch(/WROTE|CHOWNED/);
    expect(r.stderr).toMatch(/Read-only file system/);
    const seen = await hostProcessesWith(`sleep\0${marker}`);
    expect(seen.length).toBe(1);
    // … and on the host every id of that process (real, effective, saved, fs) is not root
    for (const uid of seen[0]?.uids ?? []) {
      expect(uid).not.toBe(0);
      if (isRoot) expect(uid).toBe(65534);
    }
    await exec("alpha", "pkill -f 'sleep 31337' || true");
  });

  it("it sees neither the checkout, .dev.vars, the runner's files nor other host files", async () => {
    const names = [victim.marker, canary, ".dev.vars", "package-lock.json"];
    const find = names.map((n) => `-name '${n}'`).join(" -o ");
    const r = await exec(
      "alpha",
      [
        `test -e '${REPO_ROOT}' && echo SEES-CHECKOUT`,
        `test -e '${join(REPO_ROOT, ".dev.vars")}' && echo SEES-DEV-VARS`,
        `test -e '${root}' && echo SEES-RUNNER-ROOT`,
        `test -e '${victim.dir}' && echo SEES-VICTIM`,
        `find / \\( -path /proc -o -path /sys \\) -prune -o \\( ${find} \\) -print 2>/dev/null`,
        "ls /home /var/lib /opt 2>/dev/null | head -5",
        "echo END",
      ].join("; "),
    );
    expect(r.stdout.trim()).toBe("END");
  });

  it("it cannot see another container's /workspace or processes", async () => {
    const secretName = `secret-${randomBytes(4).toString("hex")}`;
    await exec("alpha", `echo alpha-data > /workspace/${secretName}; (sleep 31338.5 &); echo ok`);
    const r = await exec(
      "beta",
      [
        `find / \\( -path /proc -o -path /sys \\) -prune -o -name '${secretName}' -print 2>/dev/null`,
        "grep -rl alpha-data /workspace /tmp /root 2>/dev/null",
        "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; echo; done | grep -c '3133[8]' || true",
      ].join("; "),
    );
    expect(r.stdout.trim()).toBe("0");
    await exec("alpha", "pkill -f 'sleep 31338' || true");
  });

  it("/proc/self/mountinfo names no host path; every host mount is read-only", async () => {
    const r = await exec("alpha", "cat /proc/self/mountinfo");
    const text = r.stdout;
    for (const leak of [REPO_ROOT, root, victim.dir, "/work/", "codemode-container-image"]) {
      if (leak === "codemode-container-image" && !isRoot) continue; // staged by hard links then
      expect(text).not.toContain(leak);
    }
    const systemRoots = /^\/(usr|etc|lib|lib32|lib64|libx32|bin|sbin)(\/|$)/;
    for (const line of text.trim().split("\n")) {
      const fields = line.split(" ");
      const [, , , mountRoot = "", mountPoint = "", options = ""] = fields;
      const fsType = fields[fields.indexOf("-") + 1] ?? "";
      if (["tmpfs", "proc", "devpts"].includes(fsType)) continue;
      if (fsType === "devtmpfs") {
        expect(mountRoot).toMatch(/^\/(null|zero|full|random|urandom|tty)$/);
        continue;
      }
      // a host file system: read-only, and only system directories of it
      expect(options.split(",")[0], line).toBe("ro");
      expect(mountRoot, `${mountPoint} comes from ${mountRoot}`).toMatch(systemRoots);
    }
  });

  it("no network beyond its control channel", async () => {
    const runnerPort = new URL(runner.url).port;
    const r = await exec(
      "alpha",
      `python3 - <<'EOF'
import socket
def attempt(host, port):
    try:
        socket.create_connection((host, port), timeout=3).close()
        return "CONNECTED"
    except OSError as e:
        return type(e).__name__
print("internet", attempt("1.1.1.1", 80))
print("runner", attempt("127.0.0.1", ${runnerPort}))
print("dns", attempt("example.com", 80))
listening = set()
for line in open("/proc/net/tcp").read().splitlines()[1:] + open("/proc/net/tcp6").read().splitlines()[1:]:
    f = line.split()
    if f[3] == "0A":
        listening.add(int(f[1].split(":")[1], 16))
print("listening", sorted(listening))
print("interfaces", sorted(l.split(":")[0].strip() for l in open("/proc/net/dev").read().splitlines()[2:]))
EOF`,
    );
    expect(r.stdout).not.toContain("CONNECTED");
    expect(r.stdout).toContain("internet OSError");
    expect(r.stdout).toMatch(/runner ConnectionRefusedError/); // its own loopback, not the host's
    expect(r.stdout).toContain("listening [3000]");
    expect(r.stdout).toContain("interfaces ['lo']");
  });

  it("unshare and mount are denied", async () => {
    const r = await exec(
      "alpha",
      [
        "unshare -U true && echo USERNS-OK",
        "unshare -m true && echo MOUNTNS-OK",
        "unshare -n true && echo NETNS-OK",
        "mount -t tmpfs x /mnt && echo MOUNT-OK",
        "mount -o remount,rw /usr && echo REMOUNT-OK",
        "echo END",
      ].join("; "),
    );
    expect(r.stdout.trim()).toBe("END");
    expect(r.stderr).toMatch(/Operation not permitted|No space left|Permission denied/);
  });

  it("a fork bomb fails as user code; the server survives and the next call works", async () => {
    await start("bomb");
    // as the Cloudflare adapter runs a command: under `timeout`, in `bash -c`
    const bomb = await exec(
      "bomb",
      "timeout -k 2 10 bash -c ':(){ :|:& };: ; sleep 1; echo done' > /tmp/bomb.out 2> /tmp/bomb.err < /dev/null; echo rc=$?",
    );
    expect(bomb.stdout).toMatch(/^rc=\d+/);
    const err = await exec("bomb", "grep -c 'Resource temporarily unavailable' /tmp/bomb.err || true");
    expect(Number(err.stdout.trim())).toBeGreaterThan(0); // the bomb hit the limit
    expect(await running("bomb")).toBe(true); // the server did not abort
    const next = await exec("bomb", "echo alive; python3 -c 'print(6 * 7)'");
    expect(next.stdout).toBe("alive\n42");
    // a bounded Python fork loop is stopped by the limit too, and reports it
    const loop = await exec(
      "bomb",
      `timeout -k 2 20 python3 -c '
import os, time
n = 0
try:
    while n < 5000:
        if os.fork() == 0:
            time.sleep(3)
            os._exit(0)
        n += 1
    print("unbounded", n)
except OSError as e:
    print("stopped", n, e.errno)
'`,
    );
    expect(loop.stdout).toMatch(/^stopped \d+ 11/);
    expect(await running("bomb")).toBe(true);
    expect((await exec("bomb", "echo again")).stdout).toBe("again");
    // other containers never noticed
    expect((await exec("beta", "echo beta")).stdout).toBe("beta");
  });
});
