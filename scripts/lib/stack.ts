/**
 * The local stack: the sandbox host and `wrangler dev`, started as child processes.
 * Used by `npm start`, the end-to-end tests and the benchmarks, so all three run the
 * product the same way.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Child, startChild, waitForHttp } from "./processes.ts";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "node_modules", ".bin");

/** Node 22 from node_modules (wrangler needs ≥ 22.12); the system node may be older. */
export function nodeBinary(): string {
  const major = Number(process.versions.node.split(".")[0]);
  return major >= 22 ? process.execPath : join(BIN, "node");
}

/** Waits for the child to serve `url`; a child that never gets there is not left running. */
async function readyOrStopped(
  child: Child,
  url: string,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<void> {
  try {
    await waitForHttp(url, child, timeoutMs, headers);
  } catch (error) {
    await child.stop();
    throw error;
  }
}

export interface HostOptions {
  port: number;
  secret: string;
  root: string;
  echo?: boolean;
  extraEnv?: Record<string, string>;
}

export async function startHost(options: HostOptions): Promise<Child & { url: string }> {
  const url = `http://127.0.0.1:${options.port}`;
  const child = startChild(nodeBinary(), [join(ROOT, "host", "src", "main.ts")], {
    label: "sandbox-host",
    echo: options.echo,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LANG: process.env.LANG,
      SANDBOX_HOST_PORT: String(options.port),
      SANDBOX_HOST_SECRET: options.secret,
      SANDBOX_HOST_ROOT: options.root,
      ...options.extraEnv,
    },
  });
  // The authenticated health route: a host that answers with our secret is ours, not
  // another stack's that happens to hold the port.
  await readyOrStopped(child, `${url}/v1/health`, 30_000, { Authorization: `Bearer ${options.secret}` });
  return { ...child, url };
}

export interface ContainerRunnerOptions {
  port: number;
  secret: string;
  root: string;
  echo?: boolean;
  /** CONTAINER_COLD_START_MS: emulated container start time (containers/src/config.ts). */
  coldStartMs?: number;
}

/** The local container runner (containers/): real Sandbox container servers, no Docker. */
export async function startContainerRunner(
  options: ContainerRunnerOptions,
): Promise<Child & { url: string }> {
  const url = `http://127.0.0.1:${options.port}`;
  const child = startChild(nodeBinary(), [join(ROOT, "containers", "src", "main.ts")], {
    label: "containers",
    echo: options.echo,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LANG: process.env.LANG,
      CONTAINER_RUNNER_PORT: String(options.port),
      CONTAINER_RUNNER_SECRET: options.secret,
      CONTAINER_RUNNER_ROOT: options.root,
      ...(options.coldStartMs ? { CONTAINER_COLD_START_MS: String(options.coldStartMs) } : {}),
      ...(process.env.CONTAINER_SERVER_DIR ? { CONTAINER_SERVER_DIR: process.env.CONTAINER_SERVER_DIR } : {}),
    },
  });
  await readyOrStopped(child, `${url}/health`, 30_000);
  return { ...child, url };
}

/** The Worker entry for `wrangler dev`: the development entry brings the local containers. */
export const DEV_ENTRY = "src/worker/dev.ts";

export interface WorkerOptions {
  port: number;
  /** Entry module instead of wrangler.toml's `main` (e.g. DEV_ENTRY). */
  entry?: string;
  /** dotenv files with vars and secrets, later ones override earlier ones. */
  envFiles: string[];
  persistTo?: string;
  echo?: boolean;
}

export async function startWorker(options: WorkerOptions): Promise<Child & { url: string }> {
  const url = `http://localhost:${options.port}`;
  const args = [
    join(BIN, "wrangler"),
    "dev",
    ...(options.entry ? [options.entry] : []),
    "--port",
    String(options.port),
    "--ip",
    "127.0.0.1",
    "--inspector-port",
    "0",
    "--show-interactive-dev-session=false",
    ...options.envFiles.flatMap((f) => ["--env-file", f]),
    ...(options.persistTo ? ["--persist-to", options.persistTo] : []),
  ];
  const child = startChild(nodeBinary(), args, {
    label: "wrangler",
    echo: options.echo,
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: process.env.CI ?? "" },
  });
  await readyOrStopped(child, `${url}/health`, 120_000);
  return { ...child, url };
}
