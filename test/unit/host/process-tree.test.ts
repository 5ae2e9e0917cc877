/**
 * Killed means gone: after a kill, timeout or reset no process of the tree is left on
 * the host (checked with pgrep from outside), and a restarted host forgets old ids.
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHost, type TestHost } from "../../helpers/local-host.ts";

const T = 60_000;
const opts = { timeoutMs: 30_000, outputLimitBytes: 64 * 1024 };

/** pids on the host whose command line contains `marker`. */
function pgrep(marker: string): number[] {
  try {
    return execFileSync("pgrep", ["-f", marker], { encoding: "utf8" })
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("process trees on the local host", () => {
  let t: TestHost;
  beforeAll(async () => {
    t = await startTestHost();
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it(
    "killProcess removes the whole tree",
    async () => {
      const ws = t.newWorkspace();
      const p = await t.backend.startProcess(ws, "sleep 1234.51 & sleep 1234.51 & (sleep 1234.51 &); wait", {
        timeoutMs: 60_000,
      });
      await until(() => pgrep("sleep 1234.51").length >= 3);
      await t.backend.killProcess(ws, p.id);
      expect(pgrep("1234.51")).toEqual([]);
      expect((await t.backend.getProcess(ws, p.id))?.state).toBe("killed");
    },
    T,
  );

  it(
    "an exec timeout removes detached children too",
    async () => {
      const ws = t.newWorkspace();
      const r = await t.backend.exec(ws, "(setsid sleep 2345.52 &); sleep 2345.52", {
        ...opts,
        timeoutMs: 1_000,
      });
      expect(r.terminated).toBe("timeout");
      expect(pgrep("2345.52")).toEqual([]);
    },
    T,
  );

  it(
    "a code timeout removes the context and its children",
    async () => {
      const ws = t.newWorkspace();
      const code = "import subprocess, time\nsubprocess.Popen(['sleep', '3456.53'])\ntime.sleep(60)";
      const r = await t.backend.runCode(ws, code, "python", { ...opts, timeoutMs: 1_500 });
      expect(r.terminated).toBe("timeout");
      expect(pgrep("3456.53")).toEqual([]);
    },
    T,
  );

  it(
    "reset removes contexts, their children and background processes",
    async () => {
      const ws = t.newWorkspace();
      await t.backend.runCode(
        ws,
        "import subprocess\nchild = subprocess.Popen(['sleep', '4567.54'])",
        "python",
        opts,
      );
      await t.backend.runCode(
        ws,
        "require('node:child_process').spawn('sleep', ['4567.54'])",
        "javascript",
        opts,
      );
      await t.backend.startProcess(ws, "sleep 4567.54", { timeoutMs: 60_000 });
      await until(() => pgrep("sleep 4567.54").length >= 3);
      await t.backend.reset(ws);
      expect(pgrep("4567.54")).toEqual([]);
    },
    T,
  );

  it(
    "after a host restart processes are unknown, files remain",
    async () => {
      const first = await startTestHost();
      const ws = first.newWorkspace();
      await first.backend.writeFile(ws, "kept.txt", new TextEncoder().encode("still here"));
      const p = await first.backend.startProcess(ws, "sleep 5678.55", { timeoutMs: 60_000 });
      await until(() => pgrep("sleep 5678.55").length >= 1);
      await first.close({ keepRoot: true });
      expect(pgrep("5678.55")).toEqual([]);

      const second = await startTestHost({ root: first.root });
      try {
        expect(await second.backend.getProcess(ws, p.id)).toBeNull();
        expect(new TextDecoder().decode(await second.backend.readFile(ws, "kept.txt"))).toBe("still here");
      } finally {
        await second.close();
      }
    },
    T,
  );
});
