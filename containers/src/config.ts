/**
 * Settings of the local container runner, read once from the environment. A bad value
 * fails startup with the variable's name.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { parseSettings } from "../../host/src/config.ts";

const MiB = 1024 * 1024;
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Where the real container server is kept: third-party code beside the checkout, never
 * copied into it. `CONTAINER_SERVER_DIR` overrides the default.
 */
export const DEFAULT_SERVER_DIR = resolve(
  REPO_ROOT,
  "..",
  "shared",
  "vendor",
  "cloudflare-sandbox-container",
);

/** The files of the server, and where the image puts them. */
export const SERVER_FILES = {
  "index.js": "/container-server/dist/index.js",
  "node_executor.js": "/container-server/dist/runtime/executors/javascript/node_executor.js",
  "ipython_executor.py": "/container-server/dist/runtime/executors/python/ipython_executor.py",
} as const;

/** Why the real runtime cannot run here, or null when it can (the server files exist). */
export function serverMissingReason(
  dir = process.env.CONTAINER_SERVER_DIR || DEFAULT_SERVER_DIR,
): string | null {
  const missing = Object.keys(SERVER_FILES).filter((f) => !existsSync(join(dir, f)));
  if (missing.length === 0) return null;
  return (
    `the Cloudflare Sandbox container server is not at ${dir} (missing ${missing.join(", ")}); ` +
    "put the built server (index.js, node_executor.js, ipython_executor.py from " +
    "@cloudflare/sandbox's sandbox-container package) there or set CONTAINER_SERVER_DIR"
  );
}

/**
 * A Cloudflare Sandbox's cold start (container created, first command answered): P50
 * 1.37 s, P95 1.59 s over 10 runs in the SDK's own measurements (cloudflare/sandbox-sdk
 * `docs/PERF_TESTING.md`, on local Docker). Production starts are slower ("several
 * seconds", sandbox-sdk issues #116 and #275), so the P50 is a conservative floor: what a
 * pre-started container saves is at least this much.
 */
export const COLD_START_REFERENCE_MS = 1_370;

const EnvSchema = z.object({
  CONTAINER_RUNNER_PORT: z.coerce.number().int().min(0).max(65535).default(8789),
  CONTAINER_RUNNER_SECRET: z.string({ error: "is required" }).min(16, "must be at least 16 characters"),
  CONTAINER_RUNNER_ROOT: z.string().min(1).default(join(REPO_ROOT, ".container-data")),
  CONTAINER_SERVER_DIR: z.string().min(1).default(DEFAULT_SERVER_DIR),
  /** Same defaults as the local sandbox host. */
  CONTAINER_MEMORY_MB: z.coerce.number().int().min(128).max(1_048_576).default(1024),
  CONTAINER_MAX_PROCESSES: z.coerce.number().int().min(16).max(100_000).default(256),
  /** CPU share of one container, in CPUs (cgroup CPU quota). */
  CONTAINER_CPUS: z.coerce.number().min(0.1).max(256).default(1),
  CONTAINER_DISK_MB: z.coerce.number().int().min(16).max(1_048_576).default(512),
  /** uid/gid the container's root maps to when the runner runs as root. */
  CONTAINER_UID: z.coerce.number().int().min(1).max(4_294_967_294).default(65534),
  /**
   * Cold-start emulation: a container start answers no sooner than this many ms after it
   * was asked for (the real local start is padded up to it). 0 = as fast as this machine
   * can start one. See COLD_START_REFERENCE_MS for the figure the bench uses.
   */
  CONTAINER_COLD_START_MS: z.coerce.number().int().min(0).max(120_000).default(0),
  CONTAINER_BWRAP: z.string().min(1).default("/usr/bin/bwrap"),
  CONTAINER_SOCAT: z.string().min(1).default("/usr/bin/socat"),
  CONTAINER_BUN: z
    .string()
    .min(1)
    .default(join(REPO_ROOT, "node_modules", "@oven", "bun-linux-x64", "bin", "bun")),
  CONTAINER_NODE: z
    .string()
    .min(1)
    .default(join(REPO_ROOT, "node_modules", "node", "bin", "node")),
});

export interface RunnerConfig {
  port: number;
  secret: string;
  root: string;
  serverDir: string;
  memoryBytes: number;
  maxProcesses: number;
  cpus: number;
  diskBytes: number;
  uid: number;
  coldStartMs: number;
  bwrap: string;
  socat: string;
  bun: string;
  node: string;
}

export function loadConfig(env: Record<string, string | undefined>): RunnerConfig {
  const e = parseSettings(EnvSchema, env, "container runner");
  return {
    port: e.CONTAINER_RUNNER_PORT,
    secret: e.CONTAINER_RUNNER_SECRET,
    root: e.CONTAINER_RUNNER_ROOT,
    serverDir: e.CONTAINER_SERVER_DIR,
    memoryBytes: e.CONTAINER_MEMORY_MB * MiB,
    maxProcesses: e.CONTAINER_MAX_PROCESSES,
    cpus: e.CONTAINER_CPUS,
    diskBytes: e.CONTAINER_DISK_MB * MiB,
    uid: e.CONTAINER_UID,
    coldStartMs: e.CONTAINER_COLD_START_MS,
    bwrap: e.CONTAINER_BWRAP,
    socat: e.CONTAINER_SOCAT,
    bun: e.CONTAINER_BUN,
    node: e.CONTAINER_NODE,
  };
}
