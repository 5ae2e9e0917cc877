/**
 * Starts processes inside the sandbox and kills their whole tree.
 *
 * Launch chain (each step execs the next, so the spawned pid is bubblewrap's):
 *   [sh: join cgroups] → prlimit (file size, CPU, and the rlimit fallbacks) → bwrap
 *   → [setpriv: drop to an unprivileged uid when the host is root] → command.
 * RLIMIT_NPROC is ignored for root, so sandboxed code never runs with uid 0: a root host
 * runs bwrap privileged and drops to `sandboxUid` inside; a normal user's bwrap builds a
 * user namespace. Killing bubblewrap kills the namespace's init (`--die-with-parent`),
 * and the kernel then kills everything in the PID namespace.
 */
import { type ChildProcess, type StdioOptions, spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { baseSandboxEnv, bwrapArgs, SANDBOX_PATHS } from "./bwrap-args.ts";
import type { CgroupManager, SandboxCgroup } from "./cgroups.ts";
import { countProcessesOf } from "./proc.ts";
import type { SandboxView } from "./view.ts";

export type IsolationMode = "bubblewrap" | "none";

export interface SandboxLimits {
  memoryBytes: number;
  maxProcesses: number;
  maxFileSizeBytes: number;
  cpuSeconds: number;
}

export interface SandboxerOptions {
  mode: IsolationMode;
  bwrapPath: string;
  limits: SandboxLimits;
  cgroups: CgroupManager | null;
  /** Host directory for the synthetic /etc files. */
  etcDir: string;
  /** uid sandboxed code runs as when the host is root. */
  sandboxUid: number;
  /** Compiled seccomp program (`seccomp.ts`) bubblewrap loads; null on other CPUs. */
  seccompFile: string | null;
  /** The namespace sandboxes start from, hiding host paths (`view.ts`); null: plain binds. */
  view?: SandboxView | null;
}

export interface SpawnRequest {
  workspaceDir: string;
  /** Command inside the sandbox; paths as seen from inside (see `paths`). */
  argv: string[];
  /** Workspace path, default `/workspace`. */
  cwd?: string;
  env?: Record<string, string>;
  /** stdin, stdout, stderr and extra fds (pipes or open host fds). */
  stdio: Array<"pipe" | "ignore" | number>;
  /** Apply the CPU-seconds rlimit (not for long-lived REPL contexts). */
  cpuLimit: boolean;
}

export interface SandboxProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the whole tree; resolves once every process of it is gone. */
  kill(): Promise<void>;
  /** The process tree hit the memory limit (cgroups only). */
  oomKilled(): Promise<boolean>;
}

export interface InsidePaths {
  workspace: string;
  node: string;
  drivers: string;
}

const driversDir = fileURLToPath(new URL("../drivers/", import.meta.url));
/** The host directory of the in-sandbox drivers. */
export const DRIVERS_DIR = driversDir;
const JOIN_CGROUPS =
  'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"';
const HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

let cgroupSeq = 0;

export class Sandboxer {
  readonly mode: IsolationMode;
  readonly limits: SandboxLimits;
  readonly mechanism: "cgroup-v1" | "cgroup-v2" | "rlimit";
  /** Owner for files the host creates in workspaces, when the host is root. */
  readonly owner: { uid: number; gid: number } | null;
  readonly #opts: SandboxerOptions;
  readonly #isRoot: boolean;
  readonly #prlimit: string;

  constructor(options: SandboxerOptions) {
    this.#opts = options;
    this.mode = options.mode;
    this.limits = options.limits;
    this.mechanism = options.cgroups?.mechanism ?? "rlimit";
    this.#isRoot = process.getuid?.() === 0;
    this.owner =
      this.#isRoot && options.mode === "bubblewrap"
        ? { uid: options.sandboxUid, gid: options.sandboxUid }
        : null;
    this.#prlimit = existsSync("/usr/bin/prlimit") ? "/usr/bin/prlimit" : "prlimit";
  }

  /** The namespace sandboxes start from, when host paths are hidden. */
  get view(): SandboxView | null {
    return this.#opts.view ?? null;
  }

  /** Paths of the workspace, node and the drivers as the sandboxed process sees them. */
  paths(workspaceDir: string): InsidePaths {
    if (this.mode === "bubblewrap") return { ...SANDBOX_PATHS };
    return { workspace: workspaceDir, node: process.execPath, drivers: driversDir };
  }

  async spawn(req: SpawnRequest): Promise<SandboxProcess> {
    const inside = this.paths(req.workspaceDir);
    const env = {
      ...baseSandboxEnv(inside.workspace, inside.node.replace(/\/node$/, "")),
      ...req.env,
    };
    const cwd = req.cwd ?? inside.workspace;
    if (this.mode === "none") return this.#spawnUnsafe(req, env, cwd);

    const cgroup = this.#opts.cgroups ? await this.#opts.cgroups.create(`s${++cgroupSeq}`) : null;
    // fds after the caller's: bwrap's info pipe, its options (`--args`, so neither host
    // paths nor options show in the sandbox's /proc/1/cmdline) and the seccomp program
    const infoFd = req.stdio.length;
    const argsFd = infoFd + 1;
    const seccompFd = this.#opts.seccompFile ? infoFd + 2 : null;
    const argv: string[] = [];
    const view = this.#opts.view ?? null;
    if (view) {
      if (view.lost) throw new Error("the sandboxes' mount namespace is gone; restart the host");
      argv.push(...view.enterArgs());
    }
    if (cgroup)
      argv.push("/bin/sh", "-c", JOIN_CGROUPS, "sh", String(cgroup.procsFiles.length), ...cgroup.procsFiles);
    argv.push(...(await this.#rlimitArgs(req.cpuLimit, cgroup !== null)));
    const files = view?.insideFiles ?? {
      node: process.execPath,
      drivers: driversDir,
      etcDir: this.#opts.etcDir,
    };
    const [bwrap, ...options] = bwrapArgs({
      bwrapPath: this.#opts.bwrapPath,
      workspaceDir: view ? view.source(req.workspaceDir) : req.workspaceDir,
      cwd,
      env,
      etcFiles: {
        passwd: join(files.etcDir, "passwd"),
        group: join(files.etcDir, "group"),
        hosts: join(files.etcDir, "hosts"),
      },
      nodePath: files.node,
      driversDir: files.drivers,
      tmpfsBytes: Math.max(16 * 1024 * 1024, Math.floor(this.limits.memoryBytes / 2)),
      userNamespace: this.#isRoot ? null : { uid: 1000, gid: 1000 },
      infoFd,
    }) as [string, ...string[]];
    if (seccompFd !== null) options.push("--seccomp", String(seccompFd));
    argv.push(bwrap, "--args", String(argsFd));
    if (this.#isRoot) {
      const id = String(this.#opts.sandboxUid);
      argv.push(
        "/usr/bin/setpriv",
        `--reuid=${id}`,
        `--regid=${id}`,
        "--clear-groups",
        "--bounding-set=-all",
        "--inh-caps=-all",
        "--no-new-privs",
        "--",
      );
    }
    argv.push(...req.argv);

    const seccomp = this.#opts.seccompFile ? openSync(this.#opts.seccompFile, "r") : null;
    const [file, ...args] = argv as [string, ...string[]];
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        stdio: [...req.stdio, "pipe", "pipe", ...(seccomp === null ? [] : [seccomp])] as StdioOptions,
        env: { PATH: HOST_PATH },
      });
    } finally {
      if (seccomp !== null) closeSync(seccomp);
    }
    const argsPipe = child.stdio[argsFd] as Writable | null;
    argsPipe?.on("error", () => undefined);
    argsPipe?.end(`${options.join("\0")}\0`);
    for (const stream of child.stdio) stream?.on("error", () => undefined);
    const initPid = readChildPid(child, infoFd);
    return this.#wrap(child, cgroup, initPid);
  }

  async #rlimitArgs(cpuLimit: boolean, haveCgroup: boolean): Promise<string[]> {
    const l = this.limits;
    const args = [this.#prlimit, `--fsize=${l.maxFileSizeBytes}`, "--core=0"];
    if (cpuLimit) args.push(`--cpu=${l.cpuSeconds}`);
    if (!haveCgroup) {
      // RLIMIT_NPROC counts every process of the (outer) uid, so allow what already runs.
      const uid = this.#isRoot ? this.#opts.sandboxUid : (process.getuid?.() ?? 0);
      const running = await countProcessesOf(uid);
      args.push(`--nproc=${running + l.maxProcesses}`, `--data=${l.memoryBytes}`);
    }
    args.push("--");
    return args;
  }

  #spawnUnsafe(req: SpawnRequest, env: Record<string, string>, cwd: string): SandboxProcess {
    const [file, ...args] = req.argv as [string, ...string[]];
    const child = spawn(file, args, { stdio: req.stdio as StdioOptions, env, cwd, detached: true });
    const exited = exitPromise(child);
    return {
      child,
      exited,
      async kill() {
        if (child.pid !== undefined) {
          try {
            process.kill(-child.pid, "SIGKILL");
          } catch {
            // group already gone
          }
        }
        await exited;
      },
      oomKilled: async () => false,
    };
  }

  #wrap(child: ChildProcess, cgroup: SandboxCgroup | null, initPid: Promise<number | null>): SandboxProcess {
    const exited = exitPromise(child);
    let cleaned: Promise<void> | null = null;
    const cleanup = () => {
      cleaned ??= (async () => {
        await exited;
        const pid = await initPid;
        if (pid !== null) await waitGone(pid);
        await cgroup?.remove();
      })();
      return cleaned;
    };
    // Release the cgroup once the tree ends on its own (oomKilled() reads it first).
    let oom: Promise<boolean> | null = null;
    const oomKilled = () => {
      oom ??= cgroup ? cgroup.oomKilled() : Promise.resolve(false);
      return oom;
    };
    void exited.then(async () => {
      await oomKilled();
      await cleanup();
    });
    return {
      child,
      exited,
      oomKilled,
      async kill() {
        child.kill("SIGKILL");
        const pid = await initPid;
        if (pid !== null) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // already gone
          }
        }
        await cgroup?.kill();
        await oomKilled();
        await cleanup();
      },
    };
  }
}

function exitPromise(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", () => resolve({ code: null, signal: null }));
  });
}

/** Reads bwrap's `--info-fd` JSON to learn the pid of the sandbox's init process. */
function readChildPid(child: ChildProcess, fd: number): Promise<number | null> {
  const stream = child.stdio[fd];
  if (!stream || !("on" in stream)) return Promise.resolve(null);
  return new Promise((resolve) => {
    let text = "";
    stream.on("data", (chunk: Buffer) => {
      // bwrap writes one short JSON object; anything longer is not worth keeping
      if (text.length < 4096) text += chunk.toString("utf8");
    });
    stream.on("error", () => resolve(null));
    stream.on("close", () => {
      const m = /"child-pid":\s*(\d+)/.exec(text);
      resolve(m ? Number(m[1]) : null);
    });
  });
}

/** Waits until `pid` no longer exists (or is a zombie nobody reaps yet). */
async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
    if (stat === null) return;
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state === "Z" || state === "X") return;
    await sleep(10);
  }
}
