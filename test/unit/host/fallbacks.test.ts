/**
 * The other ways the host can run: rlimits instead of cgroups, as an unprivileged user
 * (bubblewrap builds a user namespace), and the explicit unsafe mode.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { setupIsolation } from "../../../host/src/isolation/setup.ts";
import { LocalSandboxBackend } from "../../../src/sandbox/local.ts";
import { FORK_LOOP, startTestHost } from "../../helpers/local-host.ts";

const T = 60_000;
const opts = { timeoutMs: 30_000, outputLimitBytes: 64 * 1024 };

describe("rlimit fallback (no cgroups)", () => {
  it(
    "still stops fork bombs and big allocations",
    async () => {
      const t = await startTestHost({ cgroups: "off", maxProcesses: 64 });
      try {
        expect(t.host.isolation).toEqual({ mode: "bubblewrap", mechanism: "rlimit" });
        const ws = t.newWorkspace();
        const bomb = await t.backend.exec(ws, `python3 -c '${FORK_LOOP}'`, opts);
        expect(bomb.stdout).toMatch(/^stopped \d+ 11/);
        expect(Number(bomb.stdout.split(" ")[1])).toBeLessThanOrEqual(64);
        const mem = await t.backend.runCode(ws, "b = bytearray(2 * 1024**3)", "python", opts);
        expect(mem.error?.name).toBe("MemoryError");
        expect((await t.backend.runCode(ws, "print('alive')", "python", opts)).contextReset).toBe(false);
        expect((await t.backend.runCode(ws, "6 * 7", "javascript", opts)).result).toBe("42");
      } finally {
        await t.close();
      }
    },
    T,
  );
});

describe("unsafe mode and missing bubblewrap", () => {
  it("refuses to start without bubblewrap and says what to install", async () => {
    const dir = mkdtempSync(join(tmpdir(), "codemode-nobwrap-"));
    try {
      const error = await setupIsolation({
        unsafeNoIsolation: false,
        cgroups: "off",
        bwrapPath: "/nonexistent/bwrap",
        sandboxUid: 65534,
        limits: { memoryBytes: 1 << 29, maxProcesses: 64, maxFileSizeBytes: 1 << 20, cpuSeconds: 10 },
        totalMemoryBytes: 1 << 31,
        root: dir,
        stateDir: dir,
        captureDir: dir,
        logDir: dir,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain("apt-get install bubblewrap");
      expect((error as Error).message).toContain("--unsafe-no-isolation");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs without isolation only when asked, with a loud warning", async () => {
    const t = await startTestHost({ unsafeNoIsolation: true });
    try {
      expect(t.host.isolation.mode).toBe("none");
      expect(t.host.warnings.join("\n")).toMatch(/WITHOUT isolation/);
      const ws = t.newWorkspace();
      expect((await t.backend.exec(ws, "echo $((6*7))", opts)).stdout).toBe("42\n");
      expect((await t.backend.runCode(ws, "x = 2\nx * 21", "python", opts)).result).toBe("42");
    } finally {
      await t.close();
    }
  });
});

const isRoot = process.getuid?.() === 0;
const UNPRIVILEGED_UID = 47_123;
const HOST_MAIN = join(import.meta.dirname, "../../../host/src/main.ts");

/**
 * The unprivileged host must be able to read the checkout. A clone inside a private
 * directory (mode 0700, as mktemp makes them) is unreadable to any other uid; there the
 * scenario cannot be set up, so it is skipped rather than reported as a host failure.
 */
function readableBy(uid: number, path: string): boolean {
  const r = spawnSync("setpriv", [
    `--reuid=${uid}`,
    `--regid=${uid}`,
    "--clear-groups",
    "--",
    "test",
    "-r",
    path,
  ]);
  return r.status === 0;
}

describe.skipIf(!isRoot || !readableBy(UNPRIVILEGED_UID, HOST_MAIN))(
  "host running as an unprivileged user",
  () => {
    const uid = UNPRIVILEGED_UID;
    let child: ChildProcess | undefined;
    let root = "";
    afterAll(() => {
      child?.kill("SIGTERM");
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it(
      "isolates with a user namespace and enforces limits with rlimits",
      async () => {
        root = mkdtempSync(join(tmpdir(), "codemode-user-host-"));
        chownSync(root, uid, uid);
        const secret = randomBytes(16).toString("hex");
        const port = 20_000 + Math.floor(Math.random() * 20_000);
        const main = HOST_MAIN;
        child = spawn(
          "setpriv",
          [`--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "--", process.execPath, main],
          {
            env: {
              PATH: process.env.PATH,
              SANDBOX_HOST_SECRET: secret,
              SANDBOX_HOST_PORT: String(port),
              SANDBOX_HOST_ROOT: join(root, "data"),
              SANDBOX_HOST_MAX_PROCESSES: "64",
            },
            stdio: ["ignore", "pipe", "pipe"],
          },
        );
        let output = "";
        child.stdout?.on("data", (d: Buffer) => {
          output += d.toString();
        });
        child.stderr?.on("data", (d: Buffer) => {
          output += d.toString();
        });
        const deadline = Date.now() + 20_000;
        while (!output.includes("listening")) {
          if (Date.now() > deadline || child.exitCode !== null)
            throw new Error(`host did not start:\n${output}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(output).toContain("isolation: bubblewrap");
        const backend = new LocalSandboxBackend({ url: `http://127.0.0.1:${port}`, secret });
        const ws = { id: "user-mode" };
        const net = await backend.exec(ws, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; id -u", opts);
        expect(net.stdout).toBe("lo\n1000\n");
        await backend.runCode(ws, "x = 41", "python", opts);
        expect((await backend.runCode(ws, "print(x + 1)", "python", opts)).stdout).toBe("42\n");
        const bomb = await backend.exec(ws, `python3 -c '${FORK_LOOP}'`, opts);
        expect(bomb.stdout).toMatch(/^stopped \d+ 11/);
        const mem = await backend.runCode(ws, "b = bytearray(2 * 1024**3)", "python", opts);
        expect(mem.error?.name).toBe("MemoryError");
        await backend.writeFile(ws, "f.txt", new TextEncoder().encode("hi"));
        expect((await backend.exec(ws, "cat f.txt; echo more >> f.txt", opts)).stdout).toBe("hi");
      },
      T,
    );
  },
);
