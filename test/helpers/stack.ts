/**
 * Starts the real local stack for end-to-end tests: `wrangler dev` and the sandbox behind
 * it on free ports, with their own state directories and two principals (alice, bob).
 * The sandbox is the local host (`backend: "local"`, the default) or real Cloudflare
 * Sandbox containers run by the local container runner behind the development entry
 * (`backend: "cloudflare"`).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { randomToken } from "../../scripts/lib/dev-vars.ts";
import { freePort } from "../../scripts/lib/processes.ts";
import { DEV_ENTRY, startContainerRunner, startHost, startWorker } from "../../scripts/lib/stack.ts";

/** Which sandbox backend the stack runs: the local host, or real containers (cloudflare). */
export type BackendName = "local" | "cloudflare";

export interface Stack {
  url: string;
  tokens: { alice: string; bob: string };
  backend: BackendName;
  /** The sandbox host's URL, or the container runner's on the cloudflare backend. */
  hostUrl: string;
  hostSecret: string;
  /** Stops and starts the sandbox host or container runner again (same port, secret and data). */
  restartHost(): Promise<void>;
  /** Cloudflare backend: the container runner, to see and stop containers as the platform does. */
  containers: ContainerControl;
  /**
   * Cloudflare backend: the keys in the WORKSPACE_BACKUPS bucket (the dev entry's listing),
   * all of them or those of one container's saves (its id, as `containers` knows it).
   */
  backupKeys(container?: string): Promise<string[]>;
  connect(token: string, options?: { workspace?: string; transport?: "streamable" | "sse" }): Promise<Client>;
  stop(): Promise<void>;
}

export interface ContainerControl {
  /** Ids of the running containers (one per Sandbox Durable Object). */
  running(): Promise<string[]>;
  /** The one container that `action` started (e.g. a new workspace's first call). */
  startedBy(action: () => Promise<unknown>): Promise<string>;
  /**
   * Puts a container to sleep as the platform does when `sleepAfter` expires (the
   * containers package's `stop()`: SIGTERM), and resolves once it is gone.
   */
  sleep(id: string): Promise<number>;
  /** Kills a container outright, as a crash or an out-of-memory kill does (SIGKILL). */
  crash(id: string): Promise<number>;
}

export interface StackOptions {
  /** Extra settings for the Worker (dotenv lines are written for them). */
  vars?: Record<string, string>;
  echo?: boolean;
  /** Default `local`. `cloudflare` runs the container runner and the development entry. */
  backend?: BackendName;
  /** Cloudflare backend: emulated container start time in ms (default 0: as fast as local). */
  coldStartMs?: number;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), "codemode-e2e-"));
  const tokens = { alice: `alice-${randomToken(16)}`, bob: `bob-${randomToken(16)}` };
  const hostSecret = randomToken();
  const backend = options.backend ?? "local";
  const [hostPort, workerPort] = [await freePort(), await freePort()];
  const hostUrl = `http://127.0.0.1:${hostPort}`;
  const vars: Record<string, string> = {
    ENVIRONMENT: "development",
    SANDBOX_BACKEND: backend,
    API_TOKENS: `alice:${tokens.alice},bob:${tokens.bob}`,
    SANDBOX_HOST_URL: hostUrl,
    SANDBOX_HOST_SECRET: hostSecret,
    ...(backend === "cloudflare" ? { CONTAINER_RUNNER_URL: hostUrl } : {}),
    ...options.vars,
  };
  const envFile = join(dir, "test.env");
  writeFileSync(
    envFile,
    Object.entries(vars)
      // dotenv keeps single-quoted values literally; double quotes would keep `\"` escapes.
      .map(([k, v]) => `${k}=${/['\n]/.test(v) ? JSON.stringify(v) : `'${v}'`}`)
      .join("\n"),
  );

  // One process stands behind hostUrl: the sandbox host, or the container runner.
  const startBackend = () =>
    backend === "cloudflare"
      ? startContainerRunner({
          port: hostPort,
          secret: hostSecret,
          root: join(dir, "containers"),
          echo: options.echo,
          ...(options.coldStartMs ? { coldStartMs: options.coldStartMs } : {}),
        })
      : startHost({ port: hostPort, secret: hostSecret, root: join(dir, "workspaces"), echo: options.echo });
  let host = await startBackend();
  let worker: Awaited<ReturnType<typeof startWorker>>;
  try {
    worker = await startWorker({
      port: workerPort,
      ...(backend === "cloudflare" ? { entry: DEV_ENTRY } : {}),
      envFiles: [envFile],
      persistTo: join(dir, "state"),
      echo: options.echo,
    });
  } catch (error) {
    await host.stop();
    throw error;
  }
  const clients: Client[] = [];

  return {
    url: worker.url,
    tokens,
    backend,
    hostUrl,
    hostSecret,
    async restartHost() {
      await host.stop();
      host = await startBackend();
    },
    containers: containerControl(backend, hostUrl, hostSecret),
    async backupKeys(container) {
      const res = await fetch(`${worker.url}/dev/workspace-backups`, {
        headers: { Authorization: `Bearer ${hostSecret}` },
      });
      if (!res.ok) throw new Error(`backup listing answered ${res.status}: ${await res.text()}`);
      const { objects } = (await res.json()) as { objects: Array<{ key: string; name: string | null }> };
      return objects.filter((o) => container === undefined || o.name === container).map((o) => o.key);
    },
    async connect(token, { workspace, transport = "streamable" } = {}) {
      const query = workspace ? `?workspace=${encodeURIComponent(workspace)}` : "";
      const headers = { Authorization: `Bearer ${token}` };
      const client = new Client({ name: "e2e", version: "1.0.0" });
      if (transport === "sse") {
        await client.connect(
          new SSEClientTransport(new URL(`${worker.url}/sse${query}`), { requestInit: { headers } }),
        );
      } else {
        await client.connect(
          new StreamableHTTPClientTransport(new URL(`${worker.url}/mcp${query}`), {
            requestInit: { headers },
          }),
        );
      }
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.allSettled(clients.map((c) => c.close()));
      await Promise.allSettled([worker.stop(), host.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function containerControl(backend: BackendName, runnerUrl: string, secret: string): ContainerControl {
  const call = async (method: string, path: string, body?: unknown) => {
    if (backend !== "cloudflare") throw new Error("containers exist only on the cloudflare backend");
    const res = await fetch(`${runnerUrl}/containers${path}`, {
      method,
      headers: { Authorization: `Bearer ${secret}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`container runner: ${method} ${path} answered ${res.status}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const stopWith = async (id: string, signal: number) => {
    await call("POST", `/${id}/signal`, { signal });
    return Number((await call("GET", `/${id}/exit`)).exitCode);
  };
  const running = async () =>
    ((await call("GET", "")).containers as Array<{ id: string; running: boolean }>)
      .filter((c) => c.running)
      .map((c) => c.id);
  return {
    running,
    async startedBy(action) {
      const before = new Set(await running());
      await action();
      const started = (await running()).filter((id) => !before.has(id));
      if (started.length !== 1) throw new Error(`expected one new container, found ${started.length}`);
      return started[0] as string;
    },
    sleep: (id) => stopWith(id, 15),
    crash: (id) => stopWith(id, 9),
  };
}
