/**
 * Stopping a JavaScript/TypeScript run that timed out.
 *
 * Upstream workaround (sandbox-container 0.12.7 node executor): deleting a code context
 * sends its executor SIGTERM, which the executor handles in JavaScript, so an executor
 * busy in a synchronous loop (`while (true) {}`) never sees it and keeps a CPU busy
 * until the container stops. Each new JS/TS context therefore records its executor's
 * pid in a file outside the workspace, and a timed-out run's executor is killed with
 * SIGKILL through `exec` before its context is deleted.
 */
import { shellQuote } from "./paths.ts";

const PID_DIR = "/tmp/.codemode-executors";

export function executorPidPath(contextId: string): string {
  return `${PID_DIR}/${contextId}.pid`;
}

/** The setup cell run once in a new JS/TS context (the executor gives it `require`). */
export function executorPidSetup(path: string): string {
  return `{ const fs = require("node:fs"); fs.mkdirSync(${JSON.stringify(PID_DIR)}, { recursive: true }); fs.writeFileSync(${JSON.stringify(path)}, String(process.pid)); }`;
}

/** The shell command that kills the executor recorded at `path` (quietly, if any). */
export function killExecutorCommand(path: string): string {
  const p = shellQuote(path);
  return `if [ -f ${p} ]; then kill -KILL "$(cat ${p})" 2>/dev/null; rm -f ${p}; fi; true`;
}
