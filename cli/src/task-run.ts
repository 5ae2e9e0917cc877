/**
 * What `task start` and `task resume` run, from their options: code (inline or from a
 * file) with a language, a shell command, or a workspace file with arguments. The server
 * checks the same rules; checking them here turns mistakes into usage errors (exit 2).
 */
import type { ParseArgsOptionsConfig } from "node:util";
import type { z } from "zod";
import type { StartTaskInput } from "../../src/mcp/schemas/tasks.ts";
import { Language } from "../../src/shared/sandbox-schema.ts";
import { parseSeconds } from "./args.ts";
import { UsageError } from "./errors.ts";
import type { Io } from "./io.ts";
import { readSource } from "./source.ts";

export const RUN_OPTIONS = {
  code: { type: "string" },
  file: { type: "string", short: "f" },
  language: { type: "string", short: "l" },
  command: { type: "string", short: "c" },
  path: { type: "string" },
  name: { type: "string" },
  timeout: { type: "string" },
} as const satisfies ParseArgsOptionsConfig;

export interface RunValues {
  code?: string | undefined;
  file?: string | undefined;
  language?: string | undefined;
  command?: string | undefined;
  path?: string | undefined;
  name?: string | undefined;
  timeout?: string | undefined;
}

type StartInput = z.input<typeof StartTaskInput>;
export type RunRequest = Pick<
  StartInput,
  "code" | "language" | "command" | "path" | "args" | "name" | "timeout_seconds"
>;

export const RUN_HELP = `What to run (exactly one):
  --code <code>, -f <file>  code to run (-f - reads stdin), with --language
  -l, --language <lang>     ${Language.options.join(", ")}
  -c, --command <cmd>       a shell command line, run with bash in /workspace
  --path <file> [args...]   a workspace file, run by extension like \`run\`
Options:
  --name <label>            a label to recognise the task by
  --timeout <seconds>       kill the task after this long (server default 1 hour)`;

/**
 * Builds the run request. `languageOptional` is for resume, where code defaults to the
 * original task's language.
 */
export async function runRequest(
  io: Io,
  command: string,
  values: RunValues,
  args: string[],
  languageOptional = false,
): Promise<RunRequest> {
  const hasCode = values.code !== undefined || values.file !== undefined;
  const chosen = [hasCode, values.command !== undefined, values.path !== undefined].filter(Boolean).length;
  if (chosen !== 1) {
    throw new UsageError("Give exactly one of --code (or -f), --command or --path.", command);
  }
  if (!hasCode && values.language !== undefined) {
    throw new UsageError("--language goes with --code or -f.", command);
  }
  if (values.path === undefined && args.length > 0) {
    throw new UsageError(`Unexpected arguments: ${args.join(" ")} (only --path takes arguments).`, command);
  }
  const timeout_seconds = parseSeconds(command, "timeout", values.timeout);
  const common = {
    ...(values.name !== undefined ? { name: values.name } : {}),
    ...(timeout_seconds !== undefined ? { timeout_seconds } : {}),
  };
  if (values.command !== undefined) return { command: values.command, ...common };
  if (values.path !== undefined)
    return { path: values.path, ...(args.length > 0 ? { args } : {}), ...common };
  const code = await readSource(io, command, { inline: values.code, file: values.file });
  if (values.language === undefined) {
    if (languageOptional) return { code, ...common };
    throw new UsageError(`--code needs --language (${Language.options.join(", ")}).`, command);
  }
  const language = Language.safeParse(values.language);
  if (!language.success) {
    throw new UsageError(
      `Unknown language "${values.language}": use ${Language.options.join(", ")}.`,
      command,
    );
  }
  return { code, language: language.data, ...common };
}
