/**
 * The bubblewrap command line for one sandboxed process: read-only system, the
 * workspace as the only writable host directory, private /tmp, no network, own PID,
 * IPC and UTS namespaces, a clean environment.
 */
import { existsSync, lstatSync, readlinkSync } from "node:fs";

/** Where things appear inside the sandbox. */
export const SANDBOX_PATHS = {
  workspace: "/workspace",
  node: "/opt/codemode/bin/node",
  drivers: "/opt/codemode/drivers",
} as const;

/** Host /etc entries the runtimes need (fonts for matplotlib, dynamic linker cache, …). */
const ETC_ENTRIES = [
  "alternatives",
  "fonts",
  "ld.so.cache",
  "ld.so.conf",
  "ld.so.conf.d",
  "localtime",
  "matplotlibrc",
  "mime.types",
  "nsswitch.conf",
  "python3",
  "python3.11",
  "python3.12",
  "python3.13",
  "bash.bashrc",
  "inputrc",
];

const TOP_LEVEL_SYSTEM_DIRS = ["bin", "sbin", "lib", "lib32", "lib64", "libx32"];

export interface BwrapArgsInput {
  bwrapPath: string;
  workspaceDir: string;
  /** Working directory inside the sandbox (under /workspace). */
  cwd: string;
  env: Record<string, string>;
  /** Synthetic /etc/passwd, /etc/group, /etc/hosts on the host. */
  etcFiles: { passwd: string; group: string; hosts: string };
  nodePath: string;
  driversDir: string;
  tmpfsBytes: number;
  /** Unprivileged host: bwrap creates a user namespace and maps this uid inside. */
  userNamespace: { uid: number; gid: number } | null;
  /** fd number bwrap writes `{"child-pid": …}` to. */
  infoFd: number;
}

/** Read-only binds of the host's system directories (`/usr` and the top-level links or dirs into it). */
export function systemDirArgs(): string[] {
  const args = ["--ro-bind", "/usr", "/usr"];
  for (const name of TOP_LEVEL_SYSTEM_DIRS) {
    const path = `/${name}`;
    if (!existsSync(path)) continue;
    const st = lstatSync(path);
    if (st.isSymbolicLink()) args.push("--symlink", readlinkSync(path), path);
    else if (st.isDirectory()) args.push("--ro-bind", path, path);
  }
  return args;
}

/** Read-only binds of the host /etc entries the runtimes need, plus `extra` ones (if present). */
export function etcEntryArgs(extra: readonly string[] = []): string[] {
  return [...ETC_ENTRIES, ...extra].flatMap((entry) => ["--ro-bind-try", `/etc/${entry}`, `/etc/${entry}`]);
}

export function bwrapArgs(input: BwrapArgsInput): string[] {
  const args = [input.bwrapPath, ...systemDirArgs()];
  // Parents bwrap creates implicitly are 0700 when it runs as root: make them explicit.
  for (const dir of ["/etc", "/opt", "/opt/codemode", "/opt/codemode/bin"])
    args.push("--perms", "0755", "--dir", dir);
  args.push(...etcEntryArgs());
  args.push(
    "--ro-bind",
    input.etcFiles.passwd,
    "/etc/passwd",
    "--ro-bind",
    input.etcFiles.group,
    "/etc/group",
    "--ro-bind",
    input.etcFiles.hosts,
    "/etc/hosts",
    "--ro-bind",
    input.nodePath,
    SANDBOX_PATHS.node,
    "--ro-bind",
    input.driversDir,
    SANDBOX_PATHS.drivers,
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--perms",
    "1777",
    "--size",
    String(input.tmpfsBytes),
    "--tmpfs",
    "/tmp",
    "--perms",
    "1777",
    "--size",
    String(input.tmpfsBytes),
    "--tmpfs",
    "/dev/shm",
    "--bind",
    input.workspaceDir,
    SANDBOX_PATHS.workspace,
    "--chdir",
    input.cwd,
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
  );
  if (input.userNamespace) {
    args.push(
      "--unshare-user",
      "--disable-userns",
      "--uid",
      String(input.userNamespace.uid),
      "--gid",
      String(input.userNamespace.gid),
    );
  }
  args.push("--clearenv");
  for (const [k, v] of Object.entries(input.env)) args.push("--setenv", k, v);
  return args;
}

/** The environment every sandboxed process starts from; host variables never leak in. */
export function baseSandboxEnv(home: string, pathPrefix: string): Record<string, string> {
  return {
    PATH: `${pathPrefix}:/usr/local/bin:/usr/bin:/bin`,
    HOME: home,
    USER: "sandbox",
    LOGNAME: "sandbox",
    SHELL: "/bin/bash",
    LANG: "C.UTF-8",
    TERM: "dumb",
    TMPDIR: "/tmp",
    MPLBACKEND: "Agg",
    MPLCONFIGDIR: "/tmp/.matplotlib",
    PYTHONIOENCODING: "utf-8",
  };
}
