/**
 * Starts the real local stack for end-to-end tests: the sandbox host and `wrangler dev`
 * on free ports, with their own state directories and two principals (alice, bob).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { randomToken } from "../../scripts/lib/dev-vars.ts";
import { freePort } from "../../scripts/lib/processes.ts";
import { startHost, startWorker } from "../../scripts/lib/stack.ts";

export interface Stack {
  url: string;
  tokens: { alice: string; bob: string };
  hostUrl: string;
  hostSecret: string;
  /** Stops and starts the sandbox host again (same port, secret and data). */
  restartHost(): Promise<void>;
  connect(token: string, options?: { workspace?: string; transport?: "streamable" | "sse" }): Promise<Client>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Extra settings for the Worker (dotenv lines are written for them). */
  vars?: Record<string, string>;
  echo?: boolean;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), "codemode-e2e-"));
  const tokens = { alice: `alice-${randomToken(16)}`, bob: `bob-${randomToken(16)}` };
  const hostSecret = randomToken();
  const [hostPort, workerPort] = [await freePort(), await freePort()];
  const hostUrl = `http://127.0.0.1:${hostPort}`;
  const vars: Record<string, string> = {
    ENVIRONMENT: "development",
    SANDBOX_BACKEND: "local",
    API_TOKENS: `alice:${tokens.alice},bob:${tokens.bob}`,
    SANDBOX_HOST_URL: hostUrl,
    SANDBOX_HOST_SECRET: hostSecret,
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

  const hostOptions = {
    port: hostPort,
    secret: hostSecret,
    root: join(dir, "workspaces"),
    echo: options.echo,
  };
  let host = await startHost(hostOptions);
  let worker: Awaited<ReturnType<typeof startWorker>>;
  try {
    worker = await startWorker({
      port: workerPort,
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
    hostUrl,
    hostSecret,
    async restartHost() {
      await host.stop();
      host = await startHost(hostOptions);
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
