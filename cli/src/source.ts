/** Helpers several commands share: where code comes from and how long to wait for a run. */
import { UsageError } from "./errors.ts";
import type { Io } from "./io.ts";

/** Server default run timeout when none is given (DEFAULT_TIMEOUT_SECONDS). */
const DEFAULT_RUN_SECONDS = 30;
/** Extra wait beyond the run's own timeout: the server needs time to kill and report it. */
const ANSWER_MARGIN_SECONDS = 30;

/** How long to wait for a run's answer: its timeout plus a margin for the server. */
export function waitFor(timeoutSeconds: number | undefined): number {
  return ((timeoutSeconds ?? DEFAULT_RUN_SECONDS) + ANSWER_MARGIN_SECONDS) * 1000;
}

/**
 * The code to run: the inline argument, a local file (`-` is stdin), or piped stdin.
 * Exactly one of them; stdin only when something is piped in.
 */
export async function readSource(
  io: Io,
  command: string,
  from: { inline?: string | undefined; file?: string | undefined },
): Promise<string> {
  if (from.inline !== undefined && from.file !== undefined) {
    throw new UsageError("Give the code either as an argument or with -f, not both.", command);
  }
  let code: string;
  if (from.inline !== undefined) code = from.inline;
  else if (from.file !== undefined && from.file !== "-") code = await readText(io, command, from.file);
  else if (from.file === "-" || !io.stdinIsTTY) code = new TextDecoder().decode(await io.readStdin());
  else throw new UsageError("No code: give it as an argument, with -f <file>, or on stdin.", command);
  if (code.trim() === "") throw new UsageError("The code is empty.", command);
  return code;
}

async function readText(io: Io, command: string, path: string): Promise<string> {
  try {
    return new TextDecoder().decode(await io.readFile(path));
  } catch (error) {
    throw new UsageError(`Cannot read ${path}: ${(error as Error).message}`, command);
  }
}
