/**
 * `npm start`: the whole server locally — the sandbox host and `wrangler dev` — on
 * http://localhost:8787/mcp (PORT overrides). Creates `.dev.vars` with a random dev token
 * when there is none, checks the configuration, and restarts the sandbox host if it dies.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../src/config/config.ts";
import { ensureDevVars } from "./lib/dev-vars.ts";
import { ROOT, startHost, startWorker } from "./lib/stack.ts";

const port = Number(process.env.PORT ?? 8787);
const devVarsPath = join(ROOT, ".dev.vars");
const { vars, created, added } = ensureDevVars(devVarsPath);
if (created) console.log(`Created .dev.vars with a random development token.`);
if (added.length > 0) console.log(`Added ${added.join(" and ")} to .dev.vars.`);

// Fail before starting anything if a setting is wrong; the message names it.
const effective = { SANDBOX_BACKEND: "cloudflare", ENVIRONMENT: "production", ...vars };
try {
  parseConfig(effective);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}

const hostPort = Number(new URL(vars.SANDBOX_HOST_URL ?? "http://127.0.0.1:8788").port || 8788);
const hostRoot = join(ROOT, ".sandbox-data");
mkdirSync(hostRoot, { recursive: true });

let stopping = false;
const runHost = async (): Promise<Awaited<ReturnType<typeof startHost>>> => {
  const host = await startHost({
    port: hostPort,
    secret: vars.SANDBOX_HOST_SECRET ?? "",
    root: hostRoot,
    echo: true,
  });
  host.proc.once("exit", (code) => {
    if (stopping) return;
    console.error(`sandbox host exited (code ${code}); restarting in 1 s`);
    setTimeout(() => {
      runHost().then((h) => (current.host = h), fail);
    }, 1000);
  });
  return host;
};
const fail = (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  void shutdown(1);
};

const current: {
  host?: Awaited<ReturnType<typeof startHost>>;
  worker?: Awaited<ReturnType<typeof startWorker>>;
} = {};
async function shutdown(code = 0): Promise<void> {
  stopping = true;
  await Promise.all([current.worker?.stop(), current.host?.stop()]);
  process.exit(code);
}
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());

try {
  if (effective.SANDBOX_BACKEND === "local") current.host = await runHost();
  current.worker = await startWorker({ port, envFiles: [devVarsPath], echo: true });
  current.worker.proc.once("exit", (code) => {
    if (!stopping) fail(new Error(`wrangler dev exited (code ${code})`));
  });
} catch (error) {
  fail(error);
}

const token = (vars.API_TOKENS ?? "").split(",")[0]?.split(":").slice(1).join(":") ?? "";
const url = `http://localhost:${port}/mcp`;
console.log(`
codemode-mcp is running.

  MCP URL:  ${url}
  Token:    ${token}

Claude Code:
  claude mcp add --transport http codemode ${url} --header "Authorization: Bearer ${token}"

Press Ctrl+C to stop.
`);
