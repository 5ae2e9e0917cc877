/**
 * Memory across sessions: the resident size of workerd (the Worker and its Durable
 * Objects, and wrangler's proxy in front of it) and of the sandbox host before and after
 * rounds of 200 MCP sessions that each connect, run one line of Python and disconnect —
 * what a client that reconnects all day does.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import type { BenchModule } from "./lib.ts";

const SESSIONS = 200;
const ROUNDS = 3;

/** Socket inodes listening on 127.0.0.1:`port` (from /proc/net/tcp). */
function listeningInodes(port: number): Set<string> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set<string>();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is HEX_IP:HEX_PORT; state 0A is LISTEN; the inode is field 9.
      if (f[1]?.endsWith(`:${hexPort}`) && f[3] === "0A" && f[9]) inodes.add(f[9]);
    }
  }
  return inodes;
}

/** The process that listens on `port`, found through its socket's inode. */
function pidListeningOn(port: number): number | null {
  const inodes = listeningInodes(port);
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m?.[1] && inodes.has(m[1])) return Number(pid);
      } catch {
        // gone
      }
    }
  }
  return null;
}

function rssMb(pid: number | null): number {
  if (pid === null) return Number.NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m?.[1] ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function parentOf(pid: number): number | null {
  const m = /PPid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m?.[1] ? Number(m[1]) : null;
}

/**
 * `wrangler dev` runs two workerd processes: a proxy (wrangler's, listening on the port
 * clients use) and the runtime holding our Worker and Durable Objects. The runtime is the
 * proxy's sibling.
 */
function workerdProcesses(proxy: number | null): { proxy: number | null; runtime: number | null } {
  if (proxy === null) return { proxy, runtime: null };
  const parent = parentOf(proxy);
  for (const pid of readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .map(Number)) {
    if (pid === proxy) continue;
    try {
      if (parentOf(pid) !== parent) continue;
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("workerd")) return { proxy, runtime: pid };
    } catch {
      // gone
    }
  }
  return { proxy, runtime: null };
}

/**
 * Three rounds of 200 sessions show whether memory grows with every session or settles:
 * an MCP session Durable Object costs about a megabyte of heap while it is loaded, and
 * workerd evicts an object after 10 s without requests (Cloudflare after 70–140 s), so
 * later rounds reuse the heap the first one grew to. Sessions end the way many clients
 * end them: closing without a DELETE.
 */
export const memoryBench: BenchModule = async (stack) => {
  const workerd = workerdProcesses(pidListeningOn(Number(new URL(stack.url).port)));
  const host = pidListeningOn(Number(new URL(stack.hostUrl).port));
  const snapshot = () => ({
    runtime: rssMb(workerd.runtime),
    proxy: rssMb(workerd.proxy),
    host: rssMb(host),
  });
  const snapshots = [snapshot()];
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < SESSIONS; i++) {
      const client = await stack.connect(stack.tokens.alice);
      await client.callTool({ name: "execute_code", arguments: { code: "x = 1", language: "python" } });
      await client.close();
    }
    snapshots.push(snapshot());
  }
  const seconds = (performance.now() - started) / 1000;
  const series = (key: "runtime" | "proxy" | "host") => snapshots.map((s) => s[key].toFixed(0)).join(" → ");
  const after = `before → after each ${SESSIONS}`;
  return [
    {
      name: `${ROUNDS} × ${SESSIONS} sessions (connect, one python call, close)`,
      value: `${seconds.toFixed(1)} s`,
    },
    { name: `workerd, Worker and Durable Objects (MB, ${after})`, value: series("runtime") },
    {
      name: `workerd, wrangler's dev proxy (MB, ${after})`,
      value: series("proxy"),
      note: "wrangler dev only",
    },
    { name: `sandbox host (MB, ${after})`, value: series("host") },
  ];
};
