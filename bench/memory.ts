/**
 * Memory across sessions: the resident size of workerd (the Worker and its Durable
 * Objects) and of the sandbox host before and after 200 MCP sessions that each connect,
 * run one line of Python and disconnect — what a client that reconnects all day does.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import type { BenchModule } from "./lib.ts";

const SESSIONS = 200;

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
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m?.[1] ? Number(m[1]) / 1024 : Number.NaN;
}

export const memoryBench: BenchModule = async (stack) => {
  const workerd = pidListeningOn(Number(new URL(stack.url).port));
  const host = pidListeningOn(Number(new URL(stack.hostUrl).port));
  const before = { workerd: rssMb(workerd), host: rssMb(host) };
  const started = performance.now();
  for (let i = 0; i < SESSIONS; i++) {
    const client = await stack.connect(stack.tokens.alice);
    await client.callTool({ name: "execute_code", arguments: { code: "x = 1", language: "python" } });
    await client.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const after = { workerd: rssMb(workerd), host: rssMb(host) };
  const mb = (v: number) => `${v.toFixed(0)} MB`;
  return [
    { name: `${SESSIONS} sessions (connect, one python call, close)`, value: `${seconds.toFixed(1)} s` },
    { name: "workerd resident memory before → after", value: `${mb(before.workerd)} → ${mb(after.workerd)}` },
    { name: "sandbox host resident memory before → after", value: `${mb(before.host)} → ${mb(after.host)}` },
  ];
};
