/**
 * `npm start`: the whole server locally for development — the sandbox backend and
 * `wrangler dev` — on http://localhost:8787/mcp (PORT moves it). Creates `.dev.vars` with
 * a random dev token when there is none, fills in development defaults for what it
 * omits, installs missing system prerequisites where it can, and announces the server
 * only once every part of it is up.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseConfig } from "../src/config/config.ts";
import { ensureDevVars } from "./lib/dev-vars.ts";
import { ensureLocalHostPrerequisites, realProbe } from "./lib/prerequisites.ts";
import { freePort } from "./lib/processes.ts";
import { DEV_ENTRY, ROOT, startContainerRunner, startHost, startWorker } from "./lib/stack.ts";

const DEFAULT_PORT = 8787;
/** What `npm start` assumes for settings `.dev.vars` leaves out: this is development. */
const START_DEFAULTS = { ENVIRONMENT: "development", SANDBOX_BACKEND: "local" } as const;

/** Host settings npm start decides itself (from PORT, the data folder and the Worker's secret). */
const OWNED_HOST_VARS = new Set([
  "SANDBOX_HOST_URL",
  "SANDBOX_HOST_PORT",
  "SANDBOX_HOST_ROOT",
  "SANDBOX_HOST_SECRET",
]);

type Host = Awaited<ReturnType<typeof startHost>>;
type Worker = Awaited<ReturnType<typeof startWorker>>;
const current: { host?: Host; worker?: Worker } = {};
let stopping = false;

async function shutdown(code = 0): Promise<never> {
  stopping = true;
  await Promise.all([current.worker?.stop(), current.host?.stop()]);
  process.exit(code);
}

function fail(error: unknown): Promise<never> {
  console.error(`\nnpm start: ${error instanceof Error ? error.message : String(error)}`);
  return shutdown(1);
}

process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());

try {
  await main();
} catch (error) {
  await fail(error);
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`PORT must be a port number, got "${process.env.PORT}"`);
  const devVarsPath = resolve(ROOT, process.env.CODEMODE_DEV_VARS ?? ".dev.vars");
  const { vars, created, added } = ensureDevVars(devVarsPath);
  if (created) console.log(`Created ${devVarsPath} with a random development token.`);
  if (added.length > 0) console.log(`Added ${added.join(" and ")} to ${devVarsPath}.`);

  // Each port is its own stack: its own Worker state and sandbox data, so two stacks on
  // one machine never share Durable Object files. The default port keeps the plain names.
  const suffix = port === DEFAULT_PORT ? "" : `-${port}`;
  const stateDir = join(ROOT, ".wrangler", `state${suffix}`);
  const hostRoot = join(ROOT, `.sandbox-data${suffix}`);

  const startVars: Record<string, string> = {};
  for (const [key, value] of Object.entries(START_DEFAULTS)) if (!vars[key]) startVars[key] = value;
  const effective = { ...vars, ...startVars };
  const local = effective.SANDBOX_BACKEND === "local";
  const cloudflare = effective.SANDBOX_BACKEND === "cloudflare";
  // The host follows PORT: a port of its own, chosen free now, unless .dev.vars names one.
  if (local && !vars.SANDBOX_HOST_URL) startVars.SANDBOX_HOST_URL = `http://127.0.0.1:${await freePort()}`;
  // So does the container runner (SANDBOX_BACKEND=cloudflare).
  if (cloudflare && !vars.CONTAINER_RUNNER_URL)
    startVars.CONTAINER_RUNNER_URL = `http://127.0.0.1:${await freePort()}`;
  const config = parseConfig({ ...effective, ...startVars }); // fails before anything starts

  if (local) {
    const bwrap = ensureLocalHostPrerequisites(realProbe(), (line) => console.log(line));
    mkdirSync(hostRoot, { recursive: true });
    current.host = await runHost({
      port: Number(new URL(config.SANDBOX_HOST_URL).port || 80),
      secret: config.SANDBOX_HOST_SECRET ?? "",
      root: hostRoot,
      bwrap,
      // The host's own settings (SANDBOX_HOST_MEMORY_MB, …) may live in .dev.vars too.
      env: Object.fromEntries(
        Object.entries(vars).filter(([k]) => k.startsWith("SANDBOX_HOST_") && !OWNED_HOST_VARS.has(k)),
      ),
    });
  }
  // SANDBOX_BACKEND=cloudflare: real Sandbox containers, run locally by containers/ and
  // reached through the development entry's stand-in for the platform's container handle.
  if (cloudflare) {
    const runnerUrl = startVars.CONTAINER_RUNNER_URL ?? vars.CONTAINER_RUNNER_URL ?? "";
    const root = join(ROOT, `.container-data${suffix}`);
    mkdirSync(root, { recursive: true });
    current.host = await startContainerRunner({
      port: Number(new URL(runnerUrl).port || 80),
      secret: config.SANDBOX_HOST_SECRET ?? "",
      root,
      echo: true,
    });
  }

  // Defaults first, .dev.vars after: wrangler lets later files override earlier ones.
  const startVarsPath = join(ROOT, ".wrangler", `npm-start${suffix}.vars`);
  mkdirSync(join(ROOT, ".wrangler"), { recursive: true });
  writeFileSync(
    startVarsPath,
    `# Written by npm start: defaults for settings ${devVarsPath} leaves out.\n${Object.entries(startVars)
      .map(([k, v]) => `${k}=${v}\n`)
      .join("")}`,
  );
  current.worker = await startWorker({
    port,
    envFiles: [startVarsPath, devVarsPath],
    persistTo: stateDir,
    echo: true,
    ...(cloudflare ? { entry: DEV_ENTRY } : {}),
  });
  current.worker.proc.once("exit", (code) => {
    if (!stopping) void fail(new Error(`wrangler dev exited (code ${code})`));
  });

  const token = config.API_TOKENS[0]?.token ?? "";
  const url = `http://localhost:${port}/mcp`;
  console.log(`
codemode-mcp is running (${config.SANDBOX_BACKEND} sandbox, ${config.ENVIRONMENT}).

  MCP URL:  ${url}
  Token:    ${token}

Claude Code:
  claude mcp add --transport http codemode ${url} --header "Authorization: Bearer ${token}"

CLI (npm run cli -- --help):
  export CODEMODE_URL=${url} CODEMODE_TOKEN=${token}

Press Ctrl+C to stop.
`);
}

/** Starts the sandbox host and restarts it whenever it dies while the stack runs. */
async function runHost(options: {
  port: number;
  secret: string;
  root: string;
  bwrap: string;
  env: Record<string, string>;
}): Promise<Host> {
  const host = await startHost({
    port: options.port,
    secret: options.secret,
    root: options.root,
    echo: true,
    extraEnv: { ...options.env, SANDBOX_HOST_BWRAP: options.bwrap },
  });
  host.proc.once("exit", (code) => {
    if (stopping) return;
    console.error(`sandbox host exited (code ${code}); restarting in 1 s`);
    setTimeout(() => {
      runHost(options).then((h) => {
        current.host = h;
      }, fail);
    }, 1000);
  });
  return host;
}
