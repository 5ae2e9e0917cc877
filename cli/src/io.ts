/**
 * Everything the CLI touches outside itself besides the server: streams, files, the
 * environment and time. Commands receive an `Io`, so tests swap in a fake one.
 */
import { Buffer } from "node:buffer";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";

export interface Io {
  /** Writes to stdout as is: text, or raw bytes (cat of a binary file). */
  stdout(chunk: string | Uint8Array): void;
  stderr(text: string): void;
  /** Reads stdin to its end. */
  readStdin(): Promise<Uint8Array>;
  /** True when stdin is a terminal, i.e. nothing was piped in. */
  stdinIsTTY: boolean;
  /** Reads a local file; a relative path is taken from where the user ran the command. */
  readFile(path: string): Promise<Uint8Array>;
  env: Readonly<Record<string, string | undefined>>;
  sleep(ms: number): Promise<void>;
}

export function nodeIo(): Io {
  return {
    stdout: (chunk) => {
      process.stdout.write(chunk);
    },
    stderr: (text) => {
      process.stderr.write(text);
    },
    readStdin: async () => {
      const chunks: Uint8Array[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Uint8Array);
      return new Uint8Array(Buffer.concat(chunks));
    },
    stdinIsTTY: process.stdin.isTTY === true,
    readFile: async (path) => new Uint8Array(await readFile(resolve(callerDirectory(process.env), path))),
    env: process.env,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

/**
 * The directory the user ran the command in. `npm run cli` runs scripts from the package
 * root and records the original directory in INIT_CWD; run directly, it is our own cwd.
 */
export function callerDirectory(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string = process.cwd(),
): string {
  return env.npm_lifecycle_event !== undefined && env.INIT_CWD ? env.INIT_CWD : cwd;
}
