/**
 * The bubblewrap command line of one container: the host's system directories read-only,
 * the server's files where the image puts them, a private tmpfs `/workspace`, `/tmp`,
 * `/root` and `/var/backups` (gone with the container), no network, and its own PID, IPC, UTS, mount and
 * user namespaces (root inside maps to the runner's unprivileged uid outside).
 */
import { join } from "node:path";
import { etcEntryArgs, systemDirArgs } from "../../host/src/isolation/bwrap-args.ts";
import { SERVER_FILES } from "./config.ts";

/** /etc entries the server needs beyond the host sandbox's (TLS trust for Bun and Node). */
const EXTRA_ETC_ENTRIES = ["ssl", "ca-certificates"];

/**
 * Commands the server starts by name, replaced by wrappers (image.ts) that set the
 * process limit: wrapper name → the real program inside the container.
 */
export const LIMITED_COMMANDS: Record<string, string> = {
  bash: "/usr/bin/bash",
  python3: "/usr/bin/python3",
  node: "/usr/local/libexec/node",
};

/** Staged file name → where it appears in the container (read-only). */
export const IMAGE_FILES: Record<string, string> = {
  ...SERVER_FILES,
  bun: "/usr/local/bin/bun",
  "node-bin": "/usr/local/libexec/node",
  bash: "/usr/local/bin/bash",
  python3: "/usr/local/bin/python3",
  node: "/usr/local/bin/node",
};

export interface ContainerBwrapInput {
  bwrap: string;
  /** The staged server files, Bun and Node (see image.ts). */
  imageDir: string;
  /** This container's passwd, group and hosts. */
  etcDir: string;
  diskBytes: number;
  env: Record<string, string>;
  /** fd bwrap writes `{"child-pid": …}` to. */
  infoFd: number;
}

export function containerBwrapArgs(input: ContainerBwrapInput): string[] {
  const args = [input.bwrap, ...systemDirArgs()];
  // The image keeps Bun, Node and the limit wrappers in /usr/local: a tmpfs there hides
  // the host's /usr/local, and is made read-only again once they are bound in (below).
  args.push("--perms", "0755", "--tmpfs", "/usr/local");
  for (const dir of ["/etc", "/usr/local/bin", "/usr/local/libexec", "/container-server", "/run"]) {
    args.push("--perms", "0755", "--dir", dir);
  }
  args.push(...etcEntryArgs(EXTRA_ETC_ENTRIES));
  for (const name of ["passwd", "group", "hosts"])
    args.push("--ro-bind", join(input.etcDir, name), `/etc/${name}`);
  for (const [name, target] of Object.entries(IMAGE_FILES))
    args.push("--ro-bind", join(input.imageDir, name), target);
  args.push("--remount-ro", "/usr/local");
  const size = String(input.diskBytes);
  // /var/backups: where the SDK builds and unpacks workspace archives (squashfs-tools).
  for (const dir of ["/workspace", "/tmp", "/root", "/dev/shm", "/var/tmp", "/var/backups"]) {
    args.push(
      "--perms",
      dir === "/workspace" || dir === "/root" ? "0755" : "1777",
      "--size",
      size,
      "--tmpfs",
      dir,
    );
  }
  args.push(
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--chdir",
    "/container-server",
    "--unshare-user",
    "--disable-userns",
    "--uid",
    "0",
    "--gid",
    "0",
    "--unshare-pid",
    "--unshare-net",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--hostname",
    "sandbox",
    "--die-with-parent",
    "--new-session",
    "--info-fd",
    String(input.infoFd),
    "--clearenv",
  );
  for (const [k, v] of Object.entries(input.env)) args.push("--setenv", k, v);
  args.push("/usr/local/bin/bun", SERVER_FILES["index.js"]);
  return args;
}
