/**
 * Load without wrong answers: 50 concurrent MCP sessions, each with its own workspace,
 * make 20 execute_code calls; every answer is checked against the value the program
 * must print (which also depends on state kept in the session's Python context). Reports
 * errors and wrong outputs (both must be 0), latency, and the resident memory of the
 * sandbox host and of workerd before and after.
 */
import { readdir, readFile } from "node:fs/promises";
import type { BenchModule, Row } from "./lib.ts";
import { summary } from "./lib.ts";

const SESSIONS = 50;
const CALLS = 20;

/** Pid of the process whose command line contains all `parts` (and environment `env`). */
async function findPid(parts: string[], env?: string): Promise<number | null> {
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const cmd = await readFile(`/proc/${name}/cmdline`, "utf8").catch(() => "");
    if (!parts.every((p) => cmd.includes(p))) continue;
    if (env && !(await readFile(`/proc/${name}/environ`, "utf8").catch(() => "")).includes(env)) continue;
    return Number(name);
  }
  return null;
}

async function childrenOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, "utf8").catch(() => "");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid === pid) out.push(Number(name));
  }
  return out;
}

/** First descendant of `root` whose command name is `comm`. */
async function descendant(root: number, comm: string): Promise<number | null> {
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    const name = (await readFile(`/proc/${pid}/comm`, "utf8").catch(() => "")).trim();
    if (pid !== root && name === comm) return pid;
    queue.push(...(await childrenOf(pid)));
  }
  return null;
}

async function rssMiB(pid: number | null): Promise<string> {
  if (pid === null) return "n/a";
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return `${(kb / 1024).toFixed(0)} MiB`;
}

export const loadBench: BenchModule = async (stack) => {
  const hostPort = new URL(stack.hostUrl).port;
  const workerPort = new URL(stack.url).port;
  // several stacks may run on this machine: take the host and wrangler of this one
  const hostPid = await findPid(["host/src/main.ts"], `SANDBOX_HOST_PORT=${hostPort}\0`);
  const wrangler = await findPid(["wrangler", `--port\0${workerPort}\0`]);
  const workerdPid = wrangler === null ? null : await descendant(wrangler, "workerd");
  const before = { host: await rssMiB(hostPid), workerd: await rssMiB(workerdPid) };

  const latencies: number[] = [];
  let errors = 0;
  let wrong = 0;
  const firstErrors: string[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: SESSIONS }, async (_, s) => {
      const client = await stack.connect(s % 2 === 0 ? stack.tokens.alice : stack.tokens.bob, {
        workspace: `load-${s}`,
      });
      for (let c = 0; c < CALLS; c++) {
        // state from earlier calls of this session is part of the expected answer
        const code = c === 0 ? `acc = ${s * 1000}\nprint(acc)` : `acc += ${c}\nprint(acc)`;
        const expected = String(s * 1000 + (c * (c + 1)) / 2);
        const t0 = performance.now();
        try {
          const r = await client.callTool({ name: "execute_code", arguments: { code, language: "python" } });
          latencies.push(performance.now() - t0);
          const sc = r.structuredContent as { success?: boolean; stdout?: string } | undefined;
          if (r.isError || sc?.success !== true) {
            errors++;
            if (firstErrors.length < 3) firstErrors.push(JSON.stringify(r.content).slice(0, 200));
          } else if (sc.stdout?.trim() !== expected) {
            wrong++;
            if (firstErrors.length < 3) firstErrors.push(`wrong: ${JSON.stringify(sc.stdout)} ≠ ${expected}`);
          }
        } catch (e) {
          errors++;
          if (firstErrors.length < 3) firstErrors.push(String(e).slice(0, 200));
        }
      }
    }),
  );
  const wall = performance.now() - started;
  const after = { host: await rssMiB(hostPid), workerd: await rssMiB(workerdPid) };
  const rows: Row[] = [
    {
      name: `${SESSIONS} sessions × ${CALLS} execute_code, errors / wrong outputs`,
      value: `${errors} / ${wrong}`,
      note: errors === 0 && wrong === 0 ? "target met (0 / 0)" : `target missed: ${firstErrors.join(" | ")}`,
    },
    { name: "per-call latency under load", value: summary(latencies) },
    {
      name: "wall time, calls per second",
      value: `${(wall / 1000).toFixed(1)} s, ${((SESSIONS * CALLS) / (wall / 1000)).toFixed(1)}/s`,
    },
    { name: "sandbox host RSS before → after", value: `${before.host} → ${after.host}` },
    { name: "workerd RSS before → after", value: `${before.workerd} → ${after.workerd}` },
  ];
  return rows;
};
