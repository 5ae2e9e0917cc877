/**
 * Settings of the local sandbox host, read once from the environment (and the
 * `--unsafe-no-isolation` flag). A bad value fails startup with the variable's name.
 */
import { totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { z } from "zod";

const MiB = 1024 * 1024;
const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

const flag = z
  .enum(["", "0", "1", "false", "true", "no", "yes"])
  .default("")
  .transform((v) => v === "1" || v === "true" || v === "yes");

/** Env variable name → parsed setting. The names appear verbatim in error messages. */
const EnvSchema = z.object({
  SANDBOX_HOST_PORT: z.coerce.number().int().min(0).max(65535).default(8788),
  SANDBOX_HOST_SECRET: z.string({ error: "is required" }).min(16, "must be at least 16 characters"),
  SANDBOX_HOST_ROOT: z.string().min(1).default(`${repoRoot}.sandbox-data`),
  SANDBOX_HOST_MEMORY_MB: z.coerce.number().int().min(32).max(1_048_576).default(512),
  SANDBOX_HOST_MAX_PROCESSES: z.coerce.number().int().min(8).max(100_000).default(256),
  SANDBOX_HOST_MAX_FILE_MB: z.coerce.number().int().min(1).max(1_048_576).default(256),
  SANDBOX_HOST_DISK_QUOTA_MB: z.coerce.number().int().min(1).max(1_073_741_824).default(1024),
  /** Memory budget of all sandboxes together; 0 means three quarters of the machine's. */
  SANDBOX_HOST_TOTAL_MEMORY_MB: z.coerce.number().int().min(0).max(1_073_741_824).default(0),
  SANDBOX_HOST_CPU_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
  SANDBOX_HOST_CONTEXT_IDLE_MINUTES: z.coerce.number().int().min(1).max(10_080).default(30),
  SANDBOX_HOST_UNSAFE: flag,
  /** `off`: every bash run gets a new sandbox instead of the workspace's warm runner. */
  SANDBOX_HOST_WARM_SHELL: z.enum(["on", "off"]).default("on"),
  /** `off` forces the rlimit fallback even where cgroups are writable. */
  SANDBOX_HOST_CGROUPS: z.enum(["auto", "off"]).default("auto"),
  /** uid/gid sandboxed code runs as when the host runs as root. */
  SANDBOX_HOST_SANDBOX_UID: z.coerce.number().int().min(1).max(4_294_967_294).default(65534),
  SANDBOX_HOST_BWRAP: z.string().min(1).default("/usr/bin/bwrap"),
  SANDBOX_HOST_PYTHON: z.string().min(1).default("/usr/bin/python3"),
});

export interface HostConfig {
  port: number;
  secret: string;
  root: string;
  memoryBytes: number;
  maxProcesses: number;
  maxFileSizeBytes: number;
  /** Disk space one workspace may occupy (file tools and code alike). */
  diskQuotaBytes: number;
  /** Memory limit of the parent group of all sandboxes (never just one sandbox's). */
  totalMemoryBytes: number;
  cpuSeconds: number;
  /** Persistent contexts idle this long are stopped to free memory. */
  contextIdleMs: number;
  unsafeNoIsolation: boolean;
  /** Run bash on a warm runner per workspace (exec/shell-pool.ts) instead of a new sandbox per run. */
  warmShell: boolean;
  cgroups: "auto" | "off";
  sandboxUid: number;
  bwrapPath: string;
  pythonPath: string;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/**
 * Parses the environment variables a schema names (empty counts as unset); throws
 * `ConfigError` naming every bad variable. Shared with the container runner.
 */
export function parseSettings<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined>,
  what: string,
): z.infer<S> {
  const known = Object.fromEntries(
    Object.keys(schema.shape).flatMap((k) => {
      const v = env[k];
      return v === undefined || v === "" ? [] : [[k, v]];
    }),
  );
  const parsed = schema.safeParse(known);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid ${what} settings:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

/** Parses the host settings; throws `ConfigError` naming every bad variable. */
export function loadConfig(
  env: Record<string, string | undefined>,
  argv: readonly string[] = [],
): HostConfig {
  const e = parseSettings(EnvSchema, env, "sandbox host");
  return {
    port: e.SANDBOX_HOST_PORT,
    secret: e.SANDBOX_HOST_SECRET,
    root: e.SANDBOX_HOST_ROOT,
    memoryBytes: e.SANDBOX_HOST_MEMORY_MB * MiB,
    maxProcesses: e.SANDBOX_HOST_MAX_PROCESSES,
    maxFileSizeBytes: e.SANDBOX_HOST_MAX_FILE_MB * MiB,
    diskQuotaBytes: e.SANDBOX_HOST_DISK_QUOTA_MB * MiB,
    totalMemoryBytes:
      e.SANDBOX_HOST_TOTAL_MEMORY_MB > 0
        ? e.SANDBOX_HOST_TOTAL_MEMORY_MB * MiB
        : Math.floor((totalmem() * 3) / 4 / MiB) * MiB,
    cpuSeconds: e.SANDBOX_HOST_CPU_SECONDS,
    contextIdleMs: e.SANDBOX_HOST_CONTEXT_IDLE_MINUTES * 60_000,
    unsafeNoIsolation: e.SANDBOX_HOST_UNSAFE || argv.includes("--unsafe-no-isolation"),
    warmShell: e.SANDBOX_HOST_WARM_SHELL === "on",
    cgroups: e.SANDBOX_HOST_CGROUPS,
    sandboxUid: e.SANDBOX_HOST_SANDBOX_UID,
    bwrapPath: e.SANDBOX_HOST_BWRAP,
    pythonPath: e.SANDBOX_HOST_PYTHON,
  };
}
