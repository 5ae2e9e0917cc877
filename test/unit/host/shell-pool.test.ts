/**
 * Warm bash runs on the local host (the default): a run reuses the workspace's runner,
 * yet nothing of one run (background processes, exported variables, per-run env)
 * reaches the next, a timeout still kills the whole tree, concurrent runs in one
 * workspace all complete, and fork bombs end as they do on a one-shot sandbox.
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FORK_LOOP, startTestHost, type TestHost } from "../../helpers/local-host.ts";

const T = 60_000;
const opts = { timeoutMs: 30_000, outputLimitBytes: 64 * 1024 };

function pgrep(marker: string): number[] {
  try {
    return execFileSync("pgrep", ["-f", marker], { encoding: "utf8" })
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map(Number);
  } catch {
    return [];
  }
}

describe("warm bash runs", () => {
  let t: TestHost;
  beforeAll(async () => {
    t = await startTestHost();
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it(
    "reuse the workspace's runner but start every run clean",
    async () => {
      const ws = t.newWorkspace();
      const first = await t.backend.exec(ws, "echo $PPID; export LEAK=1; echo $PER_RUN", {
        ...opts,
        env: { PER_RUN: "yes" },
      });
      const second = await t.backend.exec(ws, 'echo $PPID; echo "[$LEAK][$PER_RUN]"; pwd', opts);
      const [ppid1] = first.stdout.split("\n");
      const [ppid2, vars, cwd] = second.stdout.split("\n");
      expect(first.stdout.split("\n")[1]).toBe("yes");
      // The same runner started both shells (a fresh sandbox would make bash's parent pid 1).
      expect(ppid1).toBe(ppid2);
      expect(ppid1).not.toBe("1");
      expect(vars).toBe("[][]");
      expect(cwd).toBe("/workspace");
      expect(second.exitCode).toBe(0);
    },
    T,
  );

  it(
    "leave nothing behind: background and detached processes end with the run",
    async () => {
      const ws = t.newWorkspace();
      const r = await t.backend.exec(
        ws,
        "sleep 6789.56 & (setsid sleep 6789.56 &); nohup sleep 6789.56 & echo started",
        opts,
      );
      expect(r.stdout).toBe("started\n");
      expect(pgrep("6789.56")).toEqual([]);
      const next = await t.backend.exec(ws, "exit 3", opts);
      expect(next.exitCode).toBe(3);
    },
    T,
  );

  it(
    "a timeout kills the whole tree, and the next run works",
    async () => {
      const ws = t.newWorkspace();
      await t.backend.exec(ws, "true", opts);
      const r = await t.backend.exec(ws, "(setsid sleep 7890.57 &); sleep 7890.57", {
        ...opts,
        timeoutMs: 1_000,
      });
      expect(r.terminated).toBe("timeout");
      expect(r.exitCode).toBeNull();
      expect(pgrep("7890.57")).toEqual([]);
      const next = await t.backend.exec(ws, "echo ok", opts);
      expect(next).toMatchObject({ exitCode: 0, stdout: "ok\n" });
    },
    T,
  );

  it(
    "concurrent runs in one workspace all complete with their own output",
    async () => {
      const ws = t.newWorkspace();
      const runs = await Promise.all(
        [1, 2, 3, 4].map((i) => t.backend.exec(ws, `sleep 0.3; echo run-${i}; exit ${i}`, opts)),
      );
      expect(runs.map((r) => [r.stdout, r.exitCode])).toEqual([1, 2, 3, 4].map((i) => [`run-${i}\n`, i]));
    },
    T,
  );

  it(
    "fork bombs end as on a one-shot sandbox: limit reported, nothing left, next run and neighbours fine",
    async () => {
      const oneShot = await startTestHost({ warmShell: false });
      try {
        const outcomes: string[][] = [];
        for (const host of [t, oneShot]) {
          const ws = host.newWorkspace();
          const neighbour = host.newWorkspace();
          await host.backend.exec(ws, "true", opts);
          const loop = await host.backend.exec(ws, `python3 -c '${FORK_LOOP}'`, opts);
          const classic = await host.backend.exec(ws, ":(){ :|:& };: ; sleep 1; echo done", {
            ...opts,
            timeoutMs: 10_000,
          });
          const endless = await host.backend.exec(ws, "b() { b | b & }; b; sleep 60", {
            ...opts,
            timeoutMs: 3_000,
          });
          // nothing of the bombs is left: the next run sees only itself
          const next = await host.backend.exec(
            ws,
            "echo next; ps -e --no-headers | grep -vc -e ps -e grep",
            opts,
          );
          const other = await host.backend.exec(neighbour, "echo neighbour", opts);
          outcomes.push([
            loop.stdout.replace(/\d+/, "N"),
            `${classic.exitCode}`,
            `${endless.terminated}`,
            next.stdout.split("\n")[0] ?? "",
            other.stdout,
          ]);
          expect(Number(next.stdout.split("\n")[1])).toBeLessThanOrEqual(3);
        }
        expect(outcomes[0]).toEqual(["stopped N 11\n", "0", "timeout", "next", "neighbour\n"]);
        expect(outcomes[0]).toEqual(outcomes[1]);
      } finally {
        await oneShot.close();
      }
    },
    3 * T,
  );
});
