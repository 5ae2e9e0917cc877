/** `codemode-mcp exec`: run code (python, javascript, typescript, bash) and print its output. */
import { executeCode } from "../../../src/mcp/schemas/run.ts";
import { Language } from "../../../src/shared/sandbox-schema.ts";
import { parseCommandArgs, parseSeconds } from "../args.ts";
import { call } from "../client.ts";
import { type Command, printJson, withClient } from "../command.ts";
import { UsageError } from "../errors.ts";
import { printRun, runExitCode } from "../run-output.ts";
import { readSource, waitFor } from "../source.ts";

const NAME = "exec";

export const execCommand: Command = {
  name: NAME,
  summary: "Run code (python, javascript, typescript, bash) and print its output",
  help: `Usage: codemode-mcp exec <language> [code | -f <file>] [--timeout <s>] [--json]

Runs code in the workspace sandbox and prints its stdout and stderr. Languages:
${Language.options.join(", ")}. The code comes from the argument, from -f <file>,
or from stdin. Python, JavaScript and TypeScript keep variables between runs in the
same workspace (name one with --workspace); a trailing expression's value is printed.

Exit status: the program's exit code; 1 for an uncaught exception; 124 on timeout.

Options:
  -f, --file <path>    read the code from a local file ("-" for stdin)
  --timeout <seconds>  kill the run after this long (server default 30, maximum 300)

Examples:
  codemode-mcp exec python 'print(1 + 1)'
  echo 'ls -la' | codemode-mcp exec bash
  codemode-mcp exec typescript -f script.ts --timeout 120`,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(NAME, argv, {
      file: { type: "string", short: "f" },
      timeout: { type: "string" },
    });
    const [language, code, ...extra] = positionals;
    if (language === undefined) throw new UsageError("Missing <language>.", NAME);
    const parsedLanguage = Language.safeParse(language);
    if (!parsedLanguage.success) {
      throw new UsageError(`Unknown language "${language}": use ${Language.options.join(", ")}.`, NAME);
    }
    if (extra.length > 0) {
      throw new UsageError("Give the code as one argument (quote it), with -f, or on stdin.", NAME);
    }
    const timeout = parseSeconds(NAME, "timeout", values.timeout);
    const source = await readSource(ctx.io, NAME, { inline: code, file: values.file });
    const { value, structured } = await withClient(ctx, values, (client) =>
      call(
        client,
        executeCode,
        { code: source, language: parsedLanguage.data, timeout_seconds: timeout },
        { timeoutMs: waitFor(timeout) },
      ),
    );
    if (values.json) printJson(ctx.io, structured);
    else printRun(ctx.io, value);
    return runExitCode(value);
  },
};
