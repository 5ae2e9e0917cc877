/**
 * What the local sandbox host needs from the system (bubblewrap, Python with its
 * libraries), checked before `npm start` starts anything. On Debian/Ubuntu the missing
 * packages are installed (as root directly, otherwise through sudo after saying so);
 * anywhere else, or when installing fails, the caller gets a message with the exact
 * commands and stops.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

export interface Missing {
  /** What the user reads, e.g. "bubblewrap (bwrap)". */
  what: string;
  /** Debian/Ubuntu packages that provide it. */
  debian: string[];
  /** Fedora and Arch package names, for the instructions on other systems. */
  fedora: string[];
  arch: string[];
}

export interface SystemProbe {
  env: NodeJS.ProcessEnv;
  /** Runs a program to completion, output captured; null when it cannot be started. */
  run(command: string, args: string[]): { status: number | null } | null;
}

export const realProbe = (env: NodeJS.ProcessEnv = process.env): SystemProbe => ({
  env,
  run(command, args) {
    const r = spawnSync(command, args, { env, stdio: "ignore", timeout: 60_000 });
    return r.error ? null : { status: r.status };
  },
});

/** The first executable called `name` on PATH, or null. */
export function which(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export const PYTHON_LIBRARIES = ["numpy", "pandas", "matplotlib"] as const;

/** The interpreter the host runs (its own default), so the check matches what runs. */
export const pythonPath = (env: NodeJS.ProcessEnv): string => env.SANDBOX_HOST_PYTHON || "/usr/bin/python3";

/** bubblewrap as the host will use it: SANDBOX_HOST_BWRAP if set, else `bwrap` on PATH. */
export const bwrapPath = (env: NodeJS.ProcessEnv): string | null =>
  env.SANDBOX_HOST_BWRAP || which("bwrap", env);

export function missingForLocalHost(probe: SystemProbe): Missing[] {
  const missing: Missing[] = [];
  const bwrap = bwrapPath(probe.env);
  if (bwrap === null || probe.run(bwrap, ["--version"])?.status !== 0) {
    missing.push({
      what: "bubblewrap (bwrap)",
      debian: ["bubblewrap"],
      fedora: ["bubblewrap"],
      arch: ["bubblewrap"],
    });
  }
  const python = pythonPath(probe.env);
  if (probe.run(python, ["-c", "pass"])?.status !== 0) {
    missing.push({
      what: `Python 3 (${python})`,
      debian: ["python3"],
      fedora: ["python3"],
      arch: ["python"],
    });
  }
  for (const lib of PYTHON_LIBRARIES) {
    if (probe.run(python, ["-c", `import ${lib}`])?.status === 0) continue;
    missing.push({
      what: `Python library ${lib}`,
      debian: [`python3-${lib}`],
      fedora: [`python3-${lib}`],
      arch: [`python-${lib}`],
    });
  }
  return missing;
}

/** The exact commands for each family of systems, for the refusal message. */
export function instructions(missing: Missing[]): string {
  const pkgs = (key: "debian" | "fedora" | "arch") => [...new Set(missing.flatMap((m) => m[key]))].join(" ");
  return [
    `  Debian/Ubuntu:  sudo apt-get install -y ${pkgs("debian")}`,
    `  Fedora:         sudo dnf install -y ${pkgs("fedora")}`,
    `  Arch:           sudo pacman -S --needed ${pkgs("arch")}`,
    "  The local sandbox needs Linux; elsewhere run it in a Linux VM.",
  ].join("\n");
}

export interface InstallPlan {
  /** The program and arguments to run, `sudo` first when not root. */
  command: string[];
  /** Why installing is impossible here, when it is. */
  impossible?: string;
}

/** How the missing packages would be installed on this machine. */
export function installPlan(missing: Missing[], env: NodeJS.ProcessEnv, uid: number): InstallPlan {
  const packages = [...new Set(missing.flatMap((m) => m.debian))];
  const aptGet = which("apt-get", env);
  const install = [aptGet ?? "apt-get", "install", "-y", "--no-install-recommends", ...packages];
  if (process.platform !== "linux" || aptGet === null) {
    return { command: install, impossible: "this system has no apt-get" };
  }
  if (uid === 0) return { command: install };
  const sudo = which("sudo", env);
  if (sudo === null) return { command: install, impossible: "not running as root and sudo is not installed" };
  return { command: [sudo, ...install] };
}

export class PrerequisiteError extends Error {
  override readonly name = "PrerequisiteError";
}

/**
 * Makes sure the local host's prerequisites are present, installing them when this
 * machine can. Returns the bubblewrap path the host should use; throws
 * `PrerequisiteError` with the instructions otherwise.
 */
export function ensureLocalHostPrerequisites(
  probe: SystemProbe,
  log: (line: string) => void,
  uid: number = process.getuid?.() ?? -1,
): string {
  const missing = missingForLocalHost(probe);
  if (missing.length > 0) {
    const list = missing.map((m) => m.what).join(", ");
    const plan = installPlan(missing, probe.env, uid);
    if (plan.impossible !== undefined) {
      throw new PrerequisiteError(
        `The local sandbox needs ${list}, and they cannot be installed automatically (${plan.impossible}). Install them, then run npm start again:\n${instructions(missing)}`,
      );
    }
    log(`The local sandbox needs ${list}. Installing: ${plan.command.join(" ")}`);
    if (!runInstall(plan.command, probe.env)) {
      throw new PrerequisiteError(
        `Installing ${list} failed (see apt-get's output above). Install them yourself, then run npm start again:\n${instructions(missing)}`,
      );
    }
    const still = missingForLocalHost(probe);
    if (still.length > 0) {
      throw new PrerequisiteError(
        `Still missing after installing: ${still.map((m) => m.what).join(", ")}.\n${instructions(still)}`,
      );
    }
  }
  const bwrap = bwrapPath(probe.env);
  if (bwrap === null) throw new PrerequisiteError("bubblewrap vanished while starting");
  return bwrap;
}

/** apt-get install, with one `apt-get update` and retry when the package lists are stale or empty. */
function runInstall(command: string[], env: NodeJS.ProcessEnv): boolean {
  const run = (args: string[]) =>
    spawnSync(args[0] as string, args.slice(1), {
      stdio: ["inherit", process.stderr, process.stderr],
      env: { ...env, DEBIAN_FRONTEND: "noninteractive" },
    }).status === 0;
  if (run(command)) return true;
  const update = command.slice(0, command.indexOf("install")).concat("update");
  return run(update) && run(command);
}
