/** Starting and stopping the child processes of the local stack, and waiting for them. */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

export interface Child {
  proc: ChildProcess;
  /** Output so far (for error messages when startup fails). */
  output(): string;
  stop(): Promise<void>;
}

export function startChild(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; echo?: boolean; label: string },
): Child {
  const proc = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // own process group, so stop() takes the whole tree down
  });
  let buffer = "";
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    buffer = (buffer + text).slice(-20_000);
    // Prefix each line with the child's label unless the child already labels its lines.
    if (options.echo) process.stderr.write(text.replace(/^(?=.)(?!\[)/gm, `[${options.label}] `));
  };
  proc.stdout?.on("data", collect);
  proc.stderr?.on("data", collect);
  return {
    proc,
    output: () => buffer,
    stop: () => stopChild(proc),
  };
}

async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(proc.pid as number), signal);
    } catch {
      // already gone
    }
  };
  kill("SIGTERM");
  const timer = setTimeout(() => kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

/** Polls `url` until it answers 2xx, the child exits, or the deadline passes. */
export async function waitForHttp(
  url: string,
  child: Child,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.proc.exitCode !== null) {
      throw new Error(
        `process exited (code ${child.proc.exitCode}) before ${url} was ready:\n${child.output()}`,
      );
    }
    try {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${url}:\n${child.output()}`);
}

/** A TCP port that is free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
