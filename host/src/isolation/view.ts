/**
 * What sandboxes see of the host, without host paths: a private mount namespace, held by
 * one small process, from which every sandbox is started (`nsenter`), so that
 * `/proc/self/mountinfo` inside names no host directory.
 *
 * A bind mount shows its source's path within its filesystem (e.g. the data root's
 * `/…/workspaces/w-…`); only a mount of a filesystem of its own hides that. In the
 * holder's namespace:
 *   <stateDir>/view            a tmpfs
 *     ws/                      ONE overlay of all workspaces (upper: <root>/workspaces),
 *                              mounted with paths relative to the data root, so its
 *                              options read `upperdir=workspaces`; sandboxes bind
 *                              `ws/<name>`, which mountinfo shows as `/<name>`
 *     node/node                the host's Node binary, through a read-only overlay whose
 *                              lower layers are named `.` and `/proc/self/fd/3`
 *     drivers/, etc/           copies (small files)
 * One overlay shared by every sandbox keeps the overlay's caches coherent (separate
 * overlays of one upper directory would each cache stale lookups). The host reaches the
 * same overlay through the holder's working directory (`/proc/<pid>/cwd` is `ws/`), so
 * a socket it binds there is the very inode a sandbox connects to (code mode).
 *
 * Needs root (mount namespaces, overlayfs); without it the host falls back to plain
 * binds of host paths, and says so at startup.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdir, readdir, rename } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Names under the data root (the overlay's upper, lower and work directories). */
export const WORKSPACES_DIR = "workspaces";
const LOWER_DIR = ".overlay-lower";
const WORK_DIR = ".overlay-work";

export interface ViewOptions {
  /** The data root (`SANDBOX_HOST_ROOT`). */
  root: string;
  /** This host's state directory (the view's mount point and the /etc files live there). */
  stateDir: string;
  nodePath: string;
  driversDir: string;
  /** Directory holding the synthetic passwd, group and hosts. */
  etcDir: string;
}

const HOLDER = `set -e
view=$1 root=$2 nodedir=$3 drivers=$4 etc=$5
mount -t tmpfs -o mode=0755,size=16m codemode "$view"
mkdir "$view/ws" "$view/node" "$view/empty" "$view/etc"
cp -R "$drivers" "$view/drivers"
cp "$etc/passwd" "$etc/group" "$etc/hosts" "$view/etc/"
chmod -R a+rX "$view/drivers" "$view/etc"
cd "$root"
mount -t overlay codemode -o lowerdir=${LOWER_DIR},upperdir=${WORKSPACES_DIR},workdir=${WORK_DIR} "$view/ws"
cd "$view/empty"
exec 3<.
cd "$nodedir"
mount -t overlay codemode -o lowerdir=.:/proc/self/fd/3 "$view/node"
exec 3<&-
cd "$view/ws"
echo ready
exec sleep infinity
`;

export class SandboxView {
  readonly #opts: ViewOptions;
  readonly #view: string;
  #holder: ChildProcess | null = null;
  #pid = 0;

  private constructor(options: ViewOptions) {
    this.#opts = options;
    this.#view = join(options.stateDir, "view");
  }

  /** Starts the holder; rejects (with the reason) where the host cannot mount. */
  static async start(options: ViewOptions): Promise<SandboxView> {
    const view = new SandboxView(options);
    await view.#start();
    return view;
  }

  async #start(): Promise<void> {
    const o = this.#opts;
    await mkdir(this.#view, { recursive: true, mode: 0o700 });
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

  /** Starts a new holder if the old one is gone (nobody but the host can stop it). */
  async ensure(): Promise<void> {
    if (!this.#holder) await this.#start();
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
      node: join(this.#view, "node", "node"),
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
