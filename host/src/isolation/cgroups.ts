/**
 * Memory and process-count limits through cgroups, when the machine lets this process
 * manage them: cgroup v1 with writable `memory` and `pids` hierarchies (root, CI), or a
 * cgroup v2 subtree delegated to us with both controllers available. Anything else
 * returns `null` and the caller falls back to rlimits.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rmdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export type CgroupMechanism = "cgroup-v1" | "cgroup-v2";

export interface CgroupLimits {
  memoryBytes: number;
  maxProcesses: number;
  /** Limit of the base group holding every sandbox: a budget for all of them together. */
  totalMemoryBytes: number;
}

/** One sandbox's cgroup (one per sandboxed process tree). */
export interface SandboxCgroup {
  /** `cgroup.procs` files the launcher writes its own pid into before it execs. */
  readonly procsFiles: readonly string[];
  /** SIGKILLs every process in the group and waits until it is empty. */
  kill(): Promise<void>;
  /** Whether the kernel OOM-killed something in the group. */
  oomKilled(): Promise<boolean>;
  remove(): Promise<void>;
}

export interface CgroupManager {
  readonly mechanism: CgroupMechanism;
  create(name: string): Promise<SandboxCgroup>;
  /** Removes this host's base groups (after every sandbox is gone). */
  close(): Promise<void>;
}

const CG = "/sys/fs/cgroup";

/** Own cgroup path per controller ("" for the v2 unified entry), from /proc/self/cgroup. */
async function ownCgroupPaths(): Promise<Map<string, string>> {
  const text = await readFile("/proc/self/cgroup", "utf8");
  const result = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    for (const c of (m[1] ?? "").split(",")) result.set(c, m[2] ?? "/");
  }
  return result;
}

async function readPids(file: string): Promise<number[]> {
  try {
    const text = await readFile(file, "utf8");
    return text
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map(Number);
  } catch {
    return [];
  }
}

async function rmdirRetry(dir: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    try {
      await rmdir(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return;
      if (code !== "EBUSY") throw e;
      await sleep(20);
    }
  }
}

async function killAll(procsFile: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const pids = await readPids(procsFile);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await sleep(10);
  }
}

/** Removes base groups of hosts that died without cleaning up (and their sandboxes). */
async function removeStale(parent: string): Promise<void> {
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const m = /^codemode-sandbox-(\d+)$/.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
      continue; // that host is alive
    } catch {
      // dead host: clean up below
    }
    const base = join(parent, name);
    const children = await readdir(base, { withFileTypes: true }).catch(() => []);
    for (const c of children.filter((d) => d.isDirectory())) {
      await killAll(join(base, c.name, "cgroup.procs"));
      await rmdirRetry(join(base, c.name)).catch(() => undefined);
    }
    await rmdirRetry(base).catch(() => undefined);
  }
}

async function makeBase(
  candidates: string[],
  prepare: (dir: string) => Promise<void>,
): Promise<string | null> {
  for (const dir of candidates) {
    await removeStale(dirname(dir));
    try {
      await mkdir(dir, { recursive: true });
      await prepare(dir);
      return dir;
    } catch {
      await rmdir(dir).catch(() => undefined);
    }
  }
  return null;
}

async function detectV1(limits: CgroupLimits, baseName: string): Promise<CgroupManager | null> {
  const memRoot = join(CG, "memory");
  const pidsRoot = join(CG, "pids");
  if (!existsSync(join(memRoot, "memory.limit_in_bytes")) || !existsSync(join(pidsRoot, "cgroup.procs"))) {
    return null;
  }
  const own = await ownCgroupPaths();
  const candidatesFor = (root: string, controller: string) => {
    const ownPath = own.get(controller) ?? "/";
    const list = [join(root, ownPath, baseName)];
    if (ownPath !== "/") list.push(join(root, baseName));
    return list;
  };
  const memBase = await makeBase(candidatesFor(memRoot, "memory"), async (d) => {
    await writeFile(join(d, "memory.limit_in_bytes"), String(limits.totalMemoryBytes));
  });
  if (!memBase) return null;
  const pidsBase = await makeBase(candidatesFor(pidsRoot, "pids"), async (d) => {
    await writeFile(join(d, "pids.max"), "max");
  });
  if (!pidsBase) {
    await rmdirRetry(memBase);
    return null;
  }
  return {
    mechanism: "cgroup-v1",
    async create(name) {
      const mem = join(memBase, name);
      const pids = join(pidsBase, name);
      await mkdir(mem);
      await mkdir(pids);
      await writeFile(join(mem, "memory.limit_in_bytes"), String(limits.memoryBytes));
      if (existsSync(join(mem, "memory.memsw.limit_in_bytes"))) {
        // memsw must be >= the plain limit; equal means "no swap on top"
        await writeFile(join(mem, "memory.memsw.limit_in_bytes"), String(limits.memoryBytes)).catch(
          () => undefined,
        );
      }
      await writeFile(join(pids, "pids.max"), String(limits.maxProcesses));
      return {
        procsFiles: [join(mem, "cgroup.procs"), join(pids, "cgroup.procs")],
        async kill() {
          await killAll(join(pids, "cgroup.procs"));
        },
        async oomKilled() {
          const text = await readFile(join(mem, "memory.oom_control"), "utf8").catch(() => "");
          const m = /oom_kill (\d+)/.exec(text);
          if (m) return Number(m[1]) > 0;
          const failcnt = await readFile(join(mem, "memory.failcnt"), "utf8").catch(() => "0");
          return Number(failcnt) > 0;
        },
        async remove() {
          await killAll(join(pids, "cgroup.procs"));
          await rmdirRetry(mem);
          await rmdirRetry(pids);
        },
      };
    },
    async close() {
      await rmdirRetry(memBase).catch(() => undefined);
      await rmdirRetry(pidsBase).catch(() => undefined);
    },
  };
}

async function detectV2(limits: CgroupLimits, baseName: string): Promise<CgroupManager | null> {
  if (!existsSync(join(CG, "cgroup.controllers"))) return null;
  const own = (await ownCgroupPaths()).get("") ?? "/";
  const base = await makeBase([join(CG, own, baseName)], async (d) => {
    const controllers = (await readFile(join(d, "cgroup.controllers"), "utf8")).split(/\s+/);
    if (!controllers.includes("memory") || !controllers.includes("pids")) throw new Error("not delegated");
    await writeFile(join(d, "cgroup.subtree_control"), "+memory +pids");
    await writeFile(join(d, "memory.max"), String(limits.totalMemoryBytes));
  });
  if (!base) return null;
  return {
    mechanism: "cgroup-v2",
    async create(name) {
      const dir = join(base, name);
      await mkdir(dir);
      await writeFile(join(dir, "memory.max"), String(limits.memoryBytes));
      await writeFile(join(dir, "memory.swap.max"), "0").catch(() => undefined);
      await writeFile(join(dir, "pids.max"), String(limits.maxProcesses));
      const kill = async () => {
        await writeFile(join(dir, "cgroup.kill"), "1").catch(() => undefined);
        await killAll(join(dir, "cgroup.procs"));
      };
      return {
        procsFiles: [join(dir, "cgroup.procs")],
        kill,
        async oomKilled() {
          const text = await readFile(join(dir, "memory.events"), "utf8").catch(() => "");
          const m = /oom_kill (\d+)/.exec(text);
          return m !== null && Number(m[1]) > 0;
        },
        async remove() {
          await kill();
          await rmdirRetry(dir);
        },
      };
    },
    async close() {
      await rmdirRetry(base).catch(() => undefined);
    },
  };
}

/** Finds a usable cgroup hierarchy, or `null` when none is writable here. */
export async function detectCgroups(limits: CgroupLimits): Promise<CgroupManager | null> {
  if (process.platform !== "linux") return null;
  const baseName = `codemode-sandbox-${process.pid}`;
  return (await detectV1(limits, baseName)) ?? (await detectV2(limits, baseName));
}
