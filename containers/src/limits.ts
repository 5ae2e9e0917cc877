/**
 * Memory, process and CPU limits of one container. Memory and processes use the local
 * sandbox host's cgroup manager (the same mechanism and defaults); CPU is a cgroup
 * quota (`cpus` CPUs), because a container's server is long-lived and an rlimit on CPU
 * seconds would kill it for being old rather than busy. Where the machine offers no
 * writable cgroups, the runner says so at start and runs without these limits.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type CgroupManager, detectCgroups } from "../../host/src/isolation/cgroups.ts";
import { SHELL_HEADROOM } from "./image.ts";

export interface ContainerLimits {
  memoryBytes: number;
  maxProcesses: number;
  cpus: number;
}

export interface ContainerCgroup {
  /** `cgroup.procs` files the launcher writes its own pid into before it execs. */
  procsFiles: string[];
  kill(): Promise<void>;
  oomKilled(): Promise<boolean>;
  remove(): Promise<void>;
}

export interface LimitManager {
  readonly mechanism: string;
  create(name: string): Promise<ContainerCgroup | null>;
  close(): Promise<void>;
}

const CPU_V1 = "/sys/fs/cgroup/cpu";
const PERIOD_US = 100_000;

async function cpuBase(): Promise<string | null> {
  if (!existsSync(join(CPU_V1, "cpu.cfs_quota_us"))) return null;
  const dir = join(CPU_V1, `codemode-containers-${process.pid}`);
  try {
    await mkdir(dir, { recursive: true });
    return dir;
  } catch {
    return null;
  }
}

/**
 * Processes the cgroup allows beyond user code's limit (RLIMIT_NPROC, set by the image's
 * wrappers, plus their headroom for session shells): room for the server's own threads
 * and interpreters while a fork bomb runs.
 */
export const SERVER_RESERVE = SHELL_HEADROOM + 64;

export async function createLimitManager(limits: ContainerLimits): Promise<LimitManager> {
  // All containers together may use at most eight containers' worth of memory.
  const cgroups: CgroupManager | null = await detectCgroups({
    ...limits,
    maxProcesses: limits.maxProcesses + SERVER_RESERVE,
    totalMemoryBytes: limits.memoryBytes * 8,
  });
  const cpu = await cpuBase();
  const mechanism = cgroups
    ? `${cgroups.mechanism}${cpu ? " + cpu quota" : ""}`
    : "none (no writable cgroups)";
  return {
    mechanism,
    async create(name) {
      if (!cgroups) return null;
      const group = await cgroups.create(name);
      const procsFiles = [...group.procsFiles];
      let cpuDir: string | null = null;
      if (cpu) {
        cpuDir = join(cpu, name);
        await mkdir(cpuDir);
        await writeFile(join(cpuDir, "cpu.cfs_period_us"), String(PERIOD_US));
        await writeFile(join(cpuDir, "cpu.cfs_quota_us"), String(Math.round(limits.cpus * PERIOD_US)));
        procsFiles.push(join(cpuDir, "cgroup.procs"));
      }
      return {
        procsFiles,
        kill: () => group.kill(),
        oomKilled: () => group.oomKilled(),
        async remove() {
          await group.remove();
          if (cpuDir) {
            const left = await readFile(join(cpuDir, "cgroup.procs"), "utf8").catch(() => "");
            if (left.trim() === "") await rmdir(cpuDir).catch(() => undefined);
          }
        },
      };
    },
    async close() {
      await cgroups?.close();
      if (cpu) await rmdir(cpu).catch(() => undefined);
    },
  };
}
