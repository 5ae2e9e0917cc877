/**
 * What a command is and what it gets: its words, help text and a `run` that parses its
 * own arguments and returns the exit code. Commands reach the server only through
 * `ctx.connect`, so tests run them against a fake client.
 */
import type { GlobalValues } from "./args.ts";
import type { Connector, ToolClient } from "./client.ts";
import { resolveConfig } from "./config.ts";
import type { Io } from "./io.ts";

export interface Context {
  io: Io;
  connect: Connector;
  /** Plain HTTP for the few non-MCP endpoints (OAuth grants); the global fetch unless a test passes one. */
  fetch?: typeof fetch;
}

export interface Command {
  /** The words that select it, e.g. "exec" or "task start". */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full --help text. */
  help: string;
  /** `argv` is everything but the command words; global options may be anywhere in it. */
  run(argv: string[], ctx: Context): Promise<number>;
}

/** Connects with the configuration from `flags` and the environment, runs `fn`, then disconnects. */
export async function withClient<T>(
  ctx: Context,
  flags: GlobalValues,
  fn: (client: ToolClient) => Promise<T>,
): Promise<T> {
  const client = await ctx.connect(resolveConfig(flags, ctx.io.env));
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** Prints a value as indented JSON on stdout (the --json output). */
export function printJson(io: Io, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}
