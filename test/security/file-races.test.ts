/**
 * Issue 12, findings 1–3: sandboxed code points workspace paths at a host directory
 * (a planted `.outputs` link, or a directory swapped with a symlink in a tight
 * `renameat2(RENAME_EXCHANGE)` loop) while the host works on those paths. The host must
 * never write, chown, chmod, delete or list anything outside the workspace.
 */
import { readdir } from "node:fs/promises";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { WorkspaceRef } from "../../src/sandbox/backend.ts";
import { startTestHost, type TestHost } from "../helpers/local-host.ts";
import { makeVictim, type Victim } from "./victim.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const EXEC = { timeoutMs: 20_000, outputLimitBytes: 256 };

/** A background loop that keeps exchanging directory `dir` with a symlink to `target`. */
function swapLoop(dir: string, target: string, file: string): string {
  return `cd /workspace && exec python3 -c '
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
os.makedirs("${dir}", exist_ok=True)
if not os.path.lexists("${dir}-link"):
    os.symlink("${target}", "${dir}-link")
n = 0
while True:
    for d in ("${dir}", "${dir}-link"):
        if os.path.isdir(d) and not os.path.islink(d):
            try:
                open(d + "/${file}", "a").close()
            except OSError:
                pass
    libc.renameat2(-100, b"${dir}", -100, b"${dir}-link", 2)
    n += 1
'`;
}

/** Runs `attempt` `count` times, `parallel` at a time; errors from the host are expected. */
async function hammer(count: number, parallel: number, attempt: (i: number) => Promise<void>) {
  let next = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const i = next++;
        await attempt(i).catch(() => {
          errors++;
        });
      }
    }),
  );
  return { attempts: count, errors };
}

describe("file handling cannot be turned against the host", () => {
  let t: TestHost;
  let victim: Victim;
  let before = "";

  beforeAll(async () => {
    t = await startTestHost();
  });
  afterAll(async () => {
    await t?.close();
  });
  // a fresh victim per attack, so each test shows its own damage
  beforeEach(async () => {
    victim = await makeVictim();
    before = await victim.snapshot();
  });
  afterEach(async () => {
    await victim?.remove();
  });

  async function withSwapLoop(ws: WorkspaceRef, dir: string, file: string, body: () => Promise<void>) {
    const proc = await t.backend.startProcess(ws, swapLoop(dir, victim.dir, file), { timeoutMs: 120_000 });
    // wait until the loop runs (the link exists)
    for (let i = 0; i < 100 && !(await t.backend.stat(ws, `${dir}-link`).catch(() => null)); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    try {
      await body();
    } finally {
      await t.backend.killProcess(ws, proc.id);
    }
  }

  it("finding 1: a .outputs link to a host directory gets neither chown, chmod nor a file", async () => {
    const ws = t.newWorkspace();
    const other = t.newWorkspace();
    await t.backend.writeFile(other, "keep.txt", bytes("other principal's file"));
    const otherHostDir = await t.hostDir(other);

    for (const target of [victim.dir, otherHostDir]) {
      const plant = `rm -rf /workspace/.outputs; ln -s ${target} /workspace/.outputs`;
      const r = await t.backend.exec(ws, `${plant}; head -c 5000 /dev/zero | tr '\\0' A`, EXEC);
      expect(r.truncated.stdout).toBe(true);
      expect(r.fullOutput.stdout).toBeUndefined();
      expect(r.stdout).toContain("could not be saved (PATH_OUTSIDE_WORKSPACE)");
      const py = await t.backend.runCode(ws, `import os\nprint("B" * 5000)`, "python", EXEC);
      expect(py.truncated.stdout).toBe(true);
      expect(py.fullOutput.stdout).toBeUndefined();
    }
    expect(await victim.snapshot()).toBe(before);
    expect((await readdir(otherHostDir)).sort()).toEqual(["keep.txt"]);

    // with a real .outputs directory the spill works, owned by the sandbox user
    await t.backend.exec(ws, "rm -f /workspace/.outputs", EXEC);
    const ok = await t.backend.exec(ws, "head -c 5000 /dev/zero | tr '\\0' A", EXEC);
    expect(ok.fullOutput.stdout).toMatch(/^\/workspace\/\.outputs\/.+\.stdout\.log$/);
    const saved = await t.backend.readFile(ws, ok.fullOutput.stdout ?? "");
    expect(saved.length).toBe(5000);
  });

  it("finding 2: delete_file racing a directory/symlink swap deletes nothing on the host", async () => {
    const ws = t.newWorkspace();
    let stats = { attempts: 0, errors: 0 };
    await withSwapLoop(ws, "a", "b", async () => {
      stats = await hammer(300, 4, () => t.backend.deleteFile(ws, "a/b"));
    });
    expect(stats.attempts).toBe(300);
    expect(await victim.snapshot()).toBe(before);
  });

  it("finding 3: write_file racing the swap never writes, creates or chowns on the host", async () => {
    const ws = t.newWorkspace();
    let stats = { attempts: 0, errors: 0 };
    // g.txt exists only in the real directory: a write that follows the link creates it
    await withSwapLoop(ws, "m0", "g.txt", async () => {
      stats = await hammer(300, 6, (i) => t.backend.writeFile(ws, "m0/g.txt", bytes(`sandbox ${i}\n`)));
    });
    expect(stats.attempts).toBe(300);
    // some writes land in the real directory: the attack really ran against the host
    expect(stats.errors).toBeLessThan(300);
    expect(await victim.snapshot()).toBe(before);
  });

  it("finding 3: list_files racing the swap never lists the host directory", async () => {
    const ws = t.newWorkspace();
    const seen = new Set<string>();
    await withSwapLoop(ws, "m0", "f.txt", async () => {
      await hammer(200, 4, async () => {
        for (const e of await t.backend.listFiles(ws, "m0", false)) seen.add(e.path.split("/").pop() ?? "");
      });
    });
    expect(seen.has(victim.marker)).toBe(false);
    expect(seen.has("sub")).toBe(false);
    expect(await victim.snapshot()).toBe(before);
  });

  it("reset wipes a workspace full of links to the host without following them", async () => {
    const ws = t.newWorkspace();
    await t.backend.exec(
      ws,
      `ln -s ${victim.dir} l1; mkdir -p d; ln -s ${victim.dir} d/l2; ln -s ${victim.dir}/sub d/l3; chmod 000 d`,
      EXEC,
    );
    await t.backend.reset(ws);
    expect(await t.backend.listFiles(ws, "", true)).toEqual([]);
    expect(await victim.snapshot()).toBe(before);
  });
});
