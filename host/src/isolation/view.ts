/**
 * What sandboxes see of the host, without host paths: a private mount namespace, held by
 * one small process, from which every sandbox is started (`nsenter`), so that neither
 * `/proc/self/mountinfo` nor `/proc/self/fd` inside names a host directory.
 *
 * A bind mount shows its source's path within its filesystem (e.g. the data root's
 * `/…/workspaces/w-…`); only a mount of a filesystem of its own hides that. And an open
 * file shows its path in the mount tree it was opened through. So in the holder's
 * namespace a tmpfs covers a neutral directory (`/run`), and everything a sandbox gets
 * comes from below it:
 *   /run/ws/            ONE overlay of all workspaces (upper: <root>/workspaces), mounted
 *                       with paths relative to the data root, so its options read
 *                       `upperdir=workspaces`; sandboxes bind `ws/<name>`, which
 *                       mountinfo shows as `/<name>`
 *   /run/node/node      the host's Node binary, through a read-only overlay whose lower
 *                       layers are named `.` and `/proc/self/fd/3`
 *   /run/drivers, etc/  copies (small files)
 *   /run/capture, processes/  binds of the host's capture and task-log directories: the
 *                       host opens the files it hands to sandboxes through them
 * One overlay shared by every sandbox keeps the overlay's caches coherent (separate
 * overlays of one upper directory would each cache stale lookups). The host reaches the
 * same overlay through the holder's working directory (`/proc/<pid>/cwd` is `ws/`), so a
 * socket it binds there is the very inode a sandbox connects to (code mode).
 *
 * Needs root (mount namespaces, overlayfs); without it the host falls back to plain
 * binds of host paths, and says so at startup.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, readdir, rename } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Names under the data root (the overlay's upper, lower and work directories). */
export const WORKSPACES_DIR = "workspaces";
const LOWER_DIR = ".overlay-lower";
const WORK_DIR = ".overlay-work";
/** Where the view is mounted in the holder's namespace (covering it there only). */
const MOUNT_POINT = "/run";

export interface ViewOptions {
  /** The data root (`SANDBOX_HOST_ROOT`). */
  root: string;
  nodePath: string;
  driversDir: string;
  /** Directory holding the synthetic passwd, group and hosts. */
  etcDir: string;
  /** Host directories whose files the host opens for sandboxes (capture files, task logs). */
  captureDir: string;
  logDir: string;
}

// Source directories are opened before the tmpfs covers the mount point, and used by
// descriptor, so a data root below it stays reachable.
const HOLDER = `set -e
n=$1
exec 4<"$2" 5<"$3" 6<"$4" 7<"$5" 8<"$6" 9<"$7"
mount -t tmpfs -o mode=0755,size=16m codemode "$n"
mkdir "$n/ws" "$n/node" "$n/empty" "$n/etc" "$n/drivers" "$n/capture" "$n/processes"
cp -R /proc/self/fd/6/. "$n/drivers/"
cp /proc/self/fd/7/passwd /proc/self/fd/7/group /proc/self/fd/7/hosts "$n/etc/"
chmod -R a+rX "$n/drivers" "$n/etc"
mount --bind /proc/self/fd/8 "$n/capture"
mount --bind /proc/self/fd/9 "$n/processes"
cd /proc/self/fd/4
mount -t overlay codemode -o lowerdir=${LOWER_DIR},upperdir=${WORKSPACES_DIR},workdir=${WORK_DIR} "$n/ws"
cd "$n/empty"
exec 3<.
cd /proc/self/fd/5
mount -t overlay codemode -o lowerdir=.:/proc/self/fd/3 "$n/node"
exec 3<&- 4<&- 5<&- 6<&- 7<&- 8<&- 9<&-
cd "$n/ws"
echo ready
exec sleep infinity
`;

export class SandboxView {
  readonly #opts: ViewOptions;
  readonly #view = MOUNT_POINT;
  #holder: ChildProcess | null = null;
  #pid = 0;

  private constructor(options: ViewOptions) {
    this.#opts = options;
  }

  /** Starts the holder; rejects (with the reason) where the host cannot mount. */
  static async start(options: ViewOptions): Promise<SandboxView> {
    const view = new SandboxView(options);
    await view.#start();
    return view;
  }

  async #start(): Promise<void> {
    const o = this.#opts;
    if (!existsSync(MOUNT_POINT)) throw new Error(`${MOUNT_POINT} does not exist`);
    for (const dir of [WORKSPACES_DIR, LOWER_DIR, WORK_DIR]) {
      await mkdir(join(o.root, dir), { recursive: true, mode: 0o700 });
    }
    const child = spawn(
      "/usr/bin/setpriv",
      [
        "--pdeathsig",
        "KILL",
        "--",
        "/usr/bin/unshare",
        "--mount",
        "--propagation",
        "private",
        "--",
        "/bin/sh",
        "-c",
        HOLDER,
        "sh",
        this.#view,
        o.root,
        dirname(o.nodePath),
        o.driversDir,
        o.etcDir,
        o.captureDir,
        o.logDir,
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      if (out.length < 4096) out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      if (err.length < 4096) err += d.toString();
    });
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      child.stdout.on("data", () => {
        if (out.includes("ready\n")) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.once("exit", () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (!ready || child.pid === undefined) {
      child.kill("SIGKILL");
      throw new Error(`the mount namespace for sandboxes could not be set up: ${err.trim().slice(0, 500)}`);
    }
    child.stdout.resume();
    child.stderr.resume();
    this.#holder = child;
    this.#pid = child.pid;
    child.once("exit", () => {
      if (this.#holder === child) this.#holder = null;
    });
  }

  /** The holder is gone (only the host stops it): sandboxes cannot start any more. */
  get lost(): boolean {
    return this.#holder === null;
  }

  /** Command prefix that runs the rest of a command line in the view's namespace. */
  enterArgs(): string[] {
    return ["/usr/bin/nsenter", `--mount=/proc/${this.#pid}/ns/mnt`, "--"];
  }

  /** Host directory of all workspaces (the overlay's upper directory). */
  get workspacesDir(): string {
    return join(this.#opts.root, WORKSPACES_DIR);
  }

  /** Where a bind source appears in the view's namespace (host paths outside workspaces stay). */
  source(hostPath: string): string {
    if (dirname(hostPath) === this.workspacesDir) return join(this.#view, "ws", basename(hostPath));
    return hostPath;
  }

  /** The view's Node binary, drivers and /etc files (paths in its namespace). */
  get insideFiles(): { node: string; drivers: string; etcDir: string } {
    return {
      node: join(this.#view, "node", basename(this.#opts.nodePath)),
      drivers: join(this.#view, "drivers"),
      etcDir: join(this.#view, "etc"),
    };
  }

  /**
   * The host's own path to workspace directory `hostDir` through the overlay (for work
   * that must go through it: creating the directory, binding a code-mode socket).
   */
  hostPath(hostDir: string): string {
    return join(`/proc/${this.#pid}/cwd`, basename(hostDir));
  }

  /** The overlay's root as the host reaches it (short: unix socket paths are limited). */
  get hostRoot(): string {
    return `/proc/${this.#pid}/cwd`;
  }

  /** The host's path to its capture and task-log directories through the view. */
  get hostDirs(): { capture: string; logs: string } {
    const base = `/proc/${this.#pid}/root${this.#view}`;
    return { capture: `${base}/capture`, logs: `${base}/processes` };
  }

  close(): void {
    const holder = this.#holder;
    this.#holder = null;
    holder?.kill("SIGKILL");
  }
}

/**
 * Moves workspace directories of an older layout (directly under the data root) into
 * `<root>/workspaces`, where the overlay expects them. Idempotent.
 */
export async function migrateWorkspaces(root: string): Promise<void> {
  const target = join(root, WORKSPACES_DIR);
  await mkdir(target, { recursive: true, mode: 0o700 });
  await chmod(target, 0o700);
  for (const name of await readdir(root)) {
    if (/^w-[0-9a-f]{40}$/.test(name)) await rename(join(root, name), join(target, name));
  }
}
