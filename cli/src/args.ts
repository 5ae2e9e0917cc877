/**
 * Argument parsing on `node:util` parseArgs. Global options (connection, output, help)
 * are accepted anywhere on the line, before or after the command words, so every
 * command parses them together with its own options.
 */
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { UsageError } from "./errors.ts";

export const GLOBAL_OPTIONS = {
  url: { type: "string" },
  token: { type: "string" },
  workspace: { type: "string", short: "w" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsOptionsConfig;

/** The global options as parsed; what `resolveConfig` reads. */
export interface GlobalValues {
  url?: string | undefined;
  token?: string | undefined;
  workspace?: string | undefined;
  json?: boolean | undefined;
}

/**
 * Parses a command's arguments (global options included) strictly: an unknown option or
 * a missing value is a usage error naming `command`. Arguments that start with `-` go
 * after `--`.
 */
export function parseCommandArgs<const O extends ParseArgsOptionsConfig>(
  command: string,
  argv: string[],
  options: O,
) {
  try {
    return parseArgs({
      args: argv,
      options: { ...GLOBAL_OPTIONS, ...options },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    // parseArgs reports bad input as TypeErrors with ERR_PARSE_ARGS_* codes.
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
      throw new UsageError((error as Error).message, command);
    }
    throw error;
  }
}

/** Splits `argv` into its leading words (not options) and the rest, options kept in place. */
export function takeWords(argv: string[], count: number): { words: string[]; rest: string[] } {
  const words: string[] = [];
  const rest: string[] = [];
  let skipValue = false;
  let ended = false;
  for (const arg of argv) {
    if (ended || words.length === count) {
      rest.push(arg);
    } else if (skipValue) {
      skipValue = false;
      rest.push(arg);
    } else if (arg === "--") {
      ended = true;
      rest.push(arg);
    } else if (arg.startsWith("-") && arg !== "-") {
      // A global option that takes a value may have it in the next argument.
      skipValue = takesValue(arg);
      rest.push(arg);
    } else {
      words.push(arg);
    }
  }
  return { words, rest };
}

function takesValue(arg: string): boolean {
  if (arg.includes("=")) return false;
  for (const [name, option] of Object.entries(GLOBAL_OPTIONS)) {
    if (option.type !== "string") continue;
    if (arg === `--${name}` || ("short" in option && arg === `-${option.short}`)) return true;
  }
  return false;
}

/** `--help` or `-h` before any `--` (after it, arguments belong to the program). */
export function wantsHelp(argv: string[]): boolean {
  for (const arg of argv) {
    if (arg === "--") return false;
    if (arg === "--help" || arg === "-h") return true;
  }
  return false;
}

/** A positive number of seconds from an option value, or undefined when absent. */
export function parseSeconds(command: string, name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--${name} must be a positive number of seconds, got "${value}".`, command);
  }
  return n;
}

/** A non-negative integer from an option value, or undefined when absent. */
export function parseCount(command: string, name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new UsageError(`--${name} must be a whole number, got "${value}".`, command);
  }
  return n;
}
