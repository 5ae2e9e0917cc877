/**
 * Chooses and proves the isolation at startup: bubblewrap (required unless the unsafe
 * flag is given), cgroups when writable (else rlimits), and a self-test that runs a real
 * sandboxed process before the host accepts requests.
 */
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type CgroupManager, detectCgroups } from "./cgroups.ts";
import { DRIVERS_DIR, Sandboxer, type SandboxLimits } from "./sandboxer.ts";
import { seccompArch, seccompProgram } from "./seccomp.ts";
import { SandboxView } from "./view.ts";

export class IsolationUnavailableError extends Error {
  override readonly name = "IsolationUnavailableError";
}

export interface IsolationSetup {
  sandboxer: Sandboxer;
  cgroups: CgroupManager | null;
  /** The namespace that hides host paths from sandboxes; null where the host cannot mount. */
  view: SandboxView | null;
  warnings: string[];
}

export interface IsolationSetupOptions {
  unsafeNoIsolation: boolean;
  cgroups: "auto" | "off";
  bwrapPath: string;
  sandboxUid: number;
  limits: SandboxLimits;
  /** Memory budget of all sandboxes together (the cgroup parent's limit). */
  totalMemoryBytes: number;
  /** The data root; workspaces live in its `workspaces/` directory. */
  root: string;
  stateDir: string;
  /** Host directories of capture files and task logs (reached through the view). */
  captureDir: string;
  logDir: string;
}

const INSTALL_HINT =
  "Install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`; Fedora: `dnf install bubblewrap`) and make sure unprivileged user namespaces are allowed, or start the host with --unsafe-no-isolation (SANDBOX_HOST_UNSAFE=1) to run code WITHOUT any isolation.";

async function writeEtcFiles(dir: string, uid: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const users = [
    "root:x:0:0:root:/root:/usr/sbin/nologin",
    `sandbox:x:${uid}:${uid}:sandbox:/workspace:/bin/bash`,
  ];
  const groups = ["root:x:0:", `sandbox:x:${uid}:`];
  if (uid !== 65534) {
    users.push("nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin");
    groups.push("nogroup:x:65534:");
  }
  await writeFile(join(dir, "passwd"), `${users.join("\n")}\n`, { mode: 0o644 });
  await writeFile(join(dir, "group"), `${groups.join("\n")}\n`, { mode: 0o644 });
  await writeFile(join(dir, "hosts"), "127.0.0.1 localhost sandbox\n::1 localhost ip6-localhost\n", {
    mode: 0o644,
  });
}

/** Runs a trivial sandboxed command and checks that it ran confined, as non-root. */
async function selfTest(sandboxer: Sandboxer, dir: string): Promise<string | null> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const script =
    'echo sandbox-ok; [ "$(id -u)" != 0 ] || echo uid-zero; if touch /usr/.probe 2>/dev/null; then echo rw-system; fi';
  const proc = await sandboxer.spawn({
    workspaceDir: dir,
    argv: ["/bin/sh", "-c", script],
    stdio: ["ignore", "pipe", "pipe"],
    cpuLimit: true,
  });
  let out = "";
  let err = "";
  proc.child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  proc.child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const timer = setTimeout(() => void proc.kill(), 10_000);
  const { code } = await proc.exited;
  clearTimeout(timer);
  await rm(dir, { recursive: true, force: true });
  if (code === 0 && out === "sandbox-ok\n") return null;
  return `exit ${code}; stdout ${JSON.stringify(out.slice(0, 200))}; stderr ${JSON.stringify(err.slice(0, 500))}`;
}

export async function setupIsolation(options: IsolationSetupOptions): Promise<IsolationSetup> {
  const etcDir = join(options.stateDir, "etc");
  const isRoot = process.getuid?.() === 0;
  await writeEtcFiles(etcDir, isRoot ? options.sandboxUid : 1000);
  const warnings: string[] = [];
  const arch = seccompArch();
  const seccompFile = arch ? join(options.stateDir, "seccomp.bpf") : null;
  if (arch && seccompFile) await writeFile(seccompFile, seccompProgram(arch), { mode: 0o600 });
  else warnings.push(`no seccomp filter for CPU ${process.arch}: namespaces, mount and ptrace stay open`);
  const base = {
    bwrapPath: options.bwrapPath,
    limits: options.limits,
    etcDir,
    sandboxUid: options.sandboxUid,
    seccompFile,
  };

  if (options.unsafeNoIsolation) {
    warnings.push(
      "!!! SANDBOX_HOST_UNSAFE: code runs WITHOUT isolation: full network, your files, your environment. Never use this with untrusted code. !!!",
    );
    return {
      sandboxer: new Sandboxer({ ...base, mode: "none", cgroups: null }),
      cgroups: null,
      view: null,
      warnings,
    };
  }
  if (process.platform !== "linux" || !existsSync(options.bwrapPath)) {
    throw new IsolationUnavailableError(`bubblewrap not found at ${options.bwrapPath}. ${INSTALL_HINT}`);
  }
  const view = isRoot ? await startView(options, etcDir, warnings) : null;
  if (!isRoot) {
    warnings.push("not running as root: sandboxes see host paths in /proc/self/mountinfo");
  }
  const withView = { ...base, view };

  const selfTestDir = join(options.stateDir, "self-test");
  const cgroups =
    options.cgroups === "auto"
      ? await detectCgroups({ ...options.limits, totalMemoryBytes: options.totalMemoryBytes })
      : null;
  if (cgroups) {
    const sandboxer = new Sandboxer({ ...withView, mode: "bubblewrap", cgroups });
    const failure = await selfTest(sandboxer, selfTestDir);
    if (failure === null) return { sandboxer, cgroups, view, warnings };
    await cgroups.close();
    warnings.push(`cgroup limits unusable (${failure}); falling back to rlimits`);
  } else if (options.cgroups === "auto") {
    warnings.push(
      "no writable cgroup hierarchy: memory and process limits use rlimits (RLIMIT_DATA, RLIMIT_NPROC)",
    );
  }
  const sandboxer = new Sandboxer({ ...withView, mode: "bubblewrap", cgroups: null });
  const failure = await selfTest(sandboxer, selfTestDir);
  if (failure !== null) {
    view?.close();
    throw new IsolationUnavailableError(`bubblewrap self-test failed (${failure}). ${INSTALL_HINT}`);
  }
  return { sandboxer, cgroups: null, view, warnings };
}

/** The namespace that hides host paths; a host that cannot build it says so and goes on. */
async function startView(
  options: IsolationSetupOptions,
  etcDir: string,
  warnings: string[],
): Promise<SandboxView | null> {
  try {
    return await SandboxView.start({
      root: resolve(options.root),
      nodePath: process.execPath,
      driversDir: DRIVERS_DIR,
      etcDir,
      captureDir: options.captureDir,
      logDir: options.logDir,
    });
  } catch (error) {
    warnings.push(`${(error as Error).message}; sandboxes see host paths in /proc/self/mountinfo`);
    return null;
  }
}
