/**
 * The container "image": the server's files, Bun, Node and the process-limit wrappers,
 * staged in a world-readable directory the runner owns. bubblewrap reads its bind
 * sources after dropping to the container's unprivileged uid, which may not be able to
 * read the checkout or the shared folder, so they are staged once per runner start.
 *
 * As root the directory is a tmpfs of its own, so `/proc/self/mountinfo` inside a
 * container names only `/bun`, `/etc/3/hosts`, …: no host path, no checkout location.
 * Otherwise the files are hard links (or copies) in a temporary directory whose random
 * name is all a container learns.
 */
import { spawnSync } from "node:child_process";
import { chmod, copyFile, link, mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IMAGE_FILES, LIMITED_COMMANDS } from "./bwrap-args.ts";
import type { RunnerConfig } from "./config.ts";

export interface StagedImage {
  dir: string;
  /** Unmounts and removes the directory. */
  close(): Promise<void>;
}

const PREFIX = "codemode-container-image-";

/** Processes the server's own shells may have beyond user code's limit. */
export const SHELL_HEADROOM = 32;

/**
 * A wrapper that starts a command with RLIMIT_NPROC set. The server spawns its shells
 * and interpreters by name (`bash`, `python3`, `node`), so everything user code runs
 * descends from a wrapper and inherits the limit, while the server itself keeps room
 * under the container's cgroup process limit (limits.ts): a fork bomb fails inside
 * user code instead of leaving the server unable to start a thread (which aborts Bun).
 * A shell the server starts for a session gets a little more than user code, so it can
 * still fork the next command while a fork bomb's leftovers hold user code's share.
 * `read` and `[` are dash builtins: the wrapper itself never forks.
 */
function wrapper(target: string, maxProcesses: number, sessionShell: boolean): string {
  const lines = ["#!/bin/sh", `n=${maxProcesses}`];
  if (sessionShell) {
    lines.push(
      "read -r parent < /proc/$PPID/comm 2>/dev/null || parent=",
      `[ "$parent" = bun ] && n=${maxProcesses + SHELL_HEADROOM}`,
    );
  }
  lines.push(`exec /usr/bin/prlimit --nproc=$n ${target} "$@"`);
  return `${lines.join("\n")}\n`;
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function run(argv: string[]): boolean {
  const [cmd, ...args] = argv;
  return spawnSync(cmd ?? "", args, { stdio: "ignore" }).status === 0;
}

/** Removes images of runners that died without cleaning up (their pid is in the name). */
async function removeStale(): Promise<void> {
  for (const name of await readdir(tmpdir()).catch(() => [] as string[])) {
    const m = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
      continue; // that runner is alive
    } catch {
      // dead runner: clean up below
    }
    const dir = join(tmpdir(), name);
    if (isRoot()) run(["umount", "-l", dir]);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

export async function stageImage(config: RunnerConfig): Promise<StagedImage> {
  await removeStale();
  const dir = await mkdtemp(join(tmpdir(), `${PREFIX}${process.pid}-`));
  await chmod(dir, 0o755);
  const sources: Record<string, string> = { bun: config.bun, "node-bin": config.node };
  const sourceOf = (name: string) => sources[name] ?? join(config.serverDir, name);
  let mounted = false;
  if (isRoot()) {
    let bytes = 64 * 1024 * 1024;
    for (const name of Object.keys(IMAGE_FILES))
      if (!(name in LIMITED_COMMANDS)) bytes += (await stat(sourceOf(name))).size;
    mounted = run(["mount", "-t", "tmpfs", "-o", `mode=0755,size=${bytes}`, "codemode-image", dir]);
  }
  for (const name of Object.keys(IMAGE_FILES)) {
    const target = join(dir, name);
    if (name in LIMITED_COMMANDS) {
      const real = LIMITED_COMMANDS[name] ?? "";
      await writeFile(target, wrapper(real, config.maxProcesses, name === "bash"), { mode: 0o755 });
    } else if (mounted) {
      await copyFile(sourceOf(name), target);
    } else {
      // A link shares the source's inode and mode (never chmod it); a copy keeps the mode.
      await link(sourceOf(name), target).catch(() => copyFile(sourceOf(name), target));
    }
  }
  await mkdir(join(dir, "etc"), { mode: 0o755 });
  return {
    dir,
    async close() {
      if (mounted) run(["umount", "-l", dir]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
