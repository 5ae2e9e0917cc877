/**
 * Starts the reference MCP server `@modelcontextprotocol/server-everything` over
 * Streamable HTTP on a free port, as the upstream for code-mode tests and benchmarks.
 *
 * @example
 * const upstream = await startUpstreamEverything();
 * // UPSTREAM_MCP_SERVERS = JSON.stringify([{ name: "everything", url: upstream.url }])
 * await upstream.stop();
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { freePort, startChild } from "../../scripts/lib/processes.ts";

export interface UpstreamEverything {
  /** The Streamable HTTP endpoint, e.g. http://127.0.0.1:41234/mcp */
  url: string;
  port: number;
  stop(): Promise<void>;
}

function entryPoint(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve("@modelcontextprotocol/server-everything/package.json");
  return join(dirname(pkg), "dist", "index.js");
}

/**
 * Runs the server inside a small wrapper that exits when its parent is gone, so a test
 * run that is killed (no teardown) leaves no server behind.
 */
function wrapperSource(entry: string, parentPid: number): string {
  return [
    `setInterval(() => { try { process.kill(${parentPid}, 0); } catch { process.exit(0); } }, 1000);`,
    `process.argv[2] = "streamableHttp";`,
    `await import(${JSON.stringify(pathToFileURL(entry).href)});`,
  ].join("\n");
}

/** Polls until the port answers HTTP at all (the endpoint itself answers 4xx to a bare GET). */
async function waitUntilListening(url: string, isDead: () => string | undefined, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const dead = isDead();
    if (dead) throw new Error(dead);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`server-everything did not start listening on ${url} within ${timeoutMs} ms`);
}

export async function startUpstreamEverything(
  options: { echo?: boolean; timeoutMs?: number } = {},
): Promise<UpstreamEverything> {
  const port = await freePort();
  const source = wrapperSource(entryPoint(), process.pid);
  const child = startChild(process.execPath, ["--input-type=module", "-e", source], {
    env: { ...process.env, PORT: String(port) },
    echo: options.echo ?? false,
    label: "everything",
  });
  const url = `http://127.0.0.1:${port}/mcp`;
  try {
    await waitUntilListening(
      url,
      () =>
        child.proc.exitCode === null
          ? undefined
          : `server-everything exited (code ${child.proc.exitCode}):\n${child.output()}`,
      options.timeoutMs ?? 20_000,
    );
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { url, port, stop: () => child.stop() };
}
