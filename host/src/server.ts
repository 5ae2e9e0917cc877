/**
 * The local sandbox host: an HTTP service on loopback that the Worker's
 * `LocalSandboxBackend` calls when `SANDBOX_BACKEND=local`.
 *
 * @example
 * const host = await createSandboxHost({ ...loadConfig(process.env), port: 0 });
 * // host.url → "http://127.0.0.1:41234"
 * await host.close();
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { AppError } from "../../src/errors/app-error.ts";
import type { HostConfig } from "./config.ts";
import { Contexts } from "./contexts/contexts.ts";
import { RestartNotices } from "./contexts/restart-notice.ts";
import { ShellPool } from "./exec/shell-pool.ts";
import { bearerChecker } from "./http/auth.ts";
import { sendError, sendJson } from "./http/io.ts";
import { type HostServices, route } from "./http/routes.ts";
import { setupIsolation } from "./isolation/setup.ts";
import { migrateWorkspaces, WORKSPACES_DIR } from "./isolation/view.ts";
import { Processes } from "./processes/processes.ts";
import { WorkspaceFiles } from "./workspace/files.ts";
import { DiskQuota } from "./workspace/quota.ts";
import { SandboxHelper } from "./workspace/sandbox-helper.ts";
import { Workspaces } from "./workspace/workspaces.ts";

export interface SandboxHost {
  /** Base URL, e.g. `http://127.0.0.1:8788`. */
  readonly url: string;
  /** Isolation and limit mechanism in use, for logs and tests. */
  readonly isolation: { mode: "bubblewrap" | "none"; mechanism: "cgroup-v1" | "cgroup-v2" | "rlimit" };
  readonly warnings: readonly string[];
  close(): Promise<void>;
}

export interface SandboxHostOptions extends HostConfig {
  /** Interface to listen on; loopback unless you know why. */
  hostname?: string;
  log?: (message: string) => void;
}

/** Starts the host (after an isolation self-test). Throws when isolation is unavailable. */
export async function createSandboxHost(options: SandboxHostOptions): Promise<SandboxHost> {
  const log = options.log ?? ((m: string) => console.error(`[sandbox-host] ${m}`));
  const root = resolve(options.root);
  await mkdir(root, { recursive: true, mode: 0o700 });
  // Internal state sits next to the workspaces' directory.
  const stateDir = join(root, `.host-${process.pid}`);
  await removeStaleState(root);
  await migrateWorkspaces(root);
  await rm(stateDir, { recursive: true, force: true });
  const hostCaptureDir = join(stateDir, "capture");
  const hostLogDir = join(stateDir, "processes");
  await mkdir(hostCaptureDir, { recursive: true, mode: 0o700 });
  await mkdir(hostLogDir, { recursive: true, mode: 0o700 });
  const markerDir = join(root, ".contexts");
  await mkdir(markerDir, { recursive: true, mode: 0o700 });

  const limits = {
    memoryBytes: options.memoryBytes,
    maxProcesses: options.maxProcesses,
    maxFileSizeBytes: options.maxFileSizeBytes,
    cpuSeconds: options.cpuSeconds,
  };
  const isolation = await setupIsolation({
    unsafeNoIsolation: options.unsafeNoIsolation,
    cgroups: options.cgroups,
    bwrapPath: options.bwrapPath,
    sandboxUid: options.sandboxUid,
    limits,
    totalMemoryBytes: options.totalMemoryBytes,
    root,
    stateDir,
    captureDir: hostCaptureDir,
    logDir: hostLogDir,
  });
  const { sandboxer } = isolation;
  const view = isolation.view;
  // Files handed to sandboxes are opened through the view, so their /proc/self/fd names
  // inside are the view's, not the data root's.
  const captureDir = view?.hostDirs.capture ?? hostCaptureDir;
  const logDir = view?.hostDirs.logs ?? hostLogDir;
  const helper = new SandboxHelper({
    sandboxer,
    pythonPath: options.pythonPath,
    maxFileSizeBytes: options.maxFileSizeBytes,
    diskQuotaBytes: options.diskQuotaBytes,
    timeoutMs: FILE_OP_TIMEOUT_MS,
    idleMs: FILE_SERVER_IDLE_MS,
  });
  const files = new WorkspaceFiles(helper);
  const quota = new DiskQuota(files, root, options.diskQuotaBytes);
  const workspaces = new Workspaces(
    join(root, WORKSPACES_DIR),
    sandboxer.owner,
    await workspaceKey(root),
    (dir) => quota.created(dir),
    (dir) => (view ? view.hostPath(dir) : dir),
  );
  // Only where each sandbox has its own PID namespace (the runner kills what a run
  // leaves) and its own process limit (a cgroup: RLIMIT_NPROC is per uid and is sized
  // when a sandbox starts, which a long-lived runner would outlive).
  const shells =
    sandboxer.mode === "bubblewrap" && sandboxer.mechanism !== "rlimit" && options.warmShell
      ? new ShellPool({
          sandboxer,
          pythonPath: options.pythonPath,
          captureDir,
          files,
          quota,
          memoryBytes: options.memoryBytes,
          cpuSeconds: options.cpuSeconds,
          idleMs: options.contextIdleMs,
        })
      : null;
  const services: HostServices = {
    sandboxer,
    workspaces,
    files,
    contexts: new Contexts({
      sandboxer,
      pythonPath: options.pythonPath,
      captureDir,
      memoryBytes: options.memoryBytes,
      idleMs: options.contextIdleMs,
      files,
      quota,
      markerDir,
    }),
    processes: new Processes(sandboxer, files, quota, logDir),
    exec: { sandboxer, captureDir, files, quota, ...(shells ? { shells } : {}) },
    quota,
    restarts: new RestartNotices(markerDir, files),
    maxFileSizeBytes: options.maxFileSizeBytes,
  };

  const authorized = bearerChecker(options.secret);
  const server = createServer((req, res) => {
    // Bare liveness probe for process supervisors (scripts/lib/stack.ts): says nothing
    // but "up". Everything else, /v1/health included, needs the secret.
    if (req.method === "GET" && req.url === "/health") {
      sendJson(res, 200, { ok: true });
      return;
    }
    if (!authorized(req.headers.authorization)) {
      sendError(
        res,
        new AppError("UNAUTHORIZED", "missing or wrong sandbox host secret", {
          suggestion: "Send Authorization: Bearer <SANDBOX_HOST_SECRET>.",
        }),
        log,
      );
      req.resume();
      return;
    }
    const url = new URL(req.url ?? "/", "http://host.invalid");
    route(services, req, res, url).catch((e: unknown) => {
      if (!res.headersSent) sendError(res, e, log);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;

  const hostname = options.hostname ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, hostname, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  return {
    url: `http://${hostname}:${port}`,
    isolation: { mode: sandboxer.mode, mechanism: sandboxer.mechanism },
    warnings: isolation.warnings,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await Promise.all([
          services.contexts.dispose(),
          services.processes.dispose(),
          shells?.dispose(),
          helper.dispose(),
        ]);
        await isolation.cgroups?.close();
        view?.close();
        await rm(stateDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

/** A file operation in the sandbox that takes longer than this is killed. */
const FILE_OP_TIMEOUT_MS = 60_000;
/** A workspace's file server idle this long is stopped (the next operation starts one). */
const FILE_SERVER_IDLE_MS = 60_000;

/**
 * The key that turns workspace ids into directory names, made once per data root and
 * kept there (mode 0600), so names survive restarts but cannot be computed outside.
 */
async function workspaceKey(root: string): Promise<string> {
  const file = join(root, ".workspace-key");
  const existing = await readFile(file, "utf8").catch(() => null);
  if (existing && /^[0-9a-f]{64}$/.test(existing.trim())) return existing.trim();
  const key = randomBytes(32).toString("hex");
  await writeFile(file, key, { mode: 0o600, flag: "wx" }).catch(async () => {
    // a concurrent start wrote it first
  });
  return (await readFile(file, "utf8")).trim();
}

/** Deletes state directories left by hosts that are no longer running. */
async function removeStaleState(root: string): Promise<void> {
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const m = /^\.host-(\d+)$/.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ESRCH")
        await rm(join(root, name), { recursive: true, force: true });
    }
  }
}
