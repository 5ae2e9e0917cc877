/** `codemode-mcp run`: run a workspace file (.py, .js, .mjs, .cjs, .ts, .sh) with arguments. */
import { runFile } from "../../../src/mcp/schemas/run.ts";
import { parseCommandArgs, parseSeconds } from "../args.ts";
import { call } from "../client.ts";
import { type Command, printJson, withClient } from "../command.ts";
import { UsageError } from "../errors.ts";
import { printRun, runExitCode } from "../run-output.ts";
import { waitFor } from "../source.ts";

const NAME = "run";

export const runCommand: Command = {
  name: NAME,
  summary: "Run a workspace file (.py, .js, .mjs, .cjs, .ts, .sh) with arguments",
  help: `Usage: codemode-mcp run <path> [args...] [--timeout <s>] [--json]

Runs a file that is already in the workspace as a fresh process, picked by extension:
.py (python3), .js/.mjs/.cjs/.ts (node), .sh (bash). The working directory is
/workspace. Arguments that start with "-" go after "--".

Exit status: the program's exit code; 124 on timeout.

Options:
  --timeout <seconds>  kill the run after this long (server default 30, maximum 300)

Examples:
  codemode-mcp -w demo run analysis.py data.csv
  codemode-mcp -w demo run build.sh -- --verbose`,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(NAME, argv, { timeout: { type: "string" } });
    const [path, ...args] = positionals;
    if (path === undefined) throw new UsageError("Missing <path>.", NAME);
    const timeout = parseSeconds(NAME, "timeout", values.timeout);
    const { value, structured } = await withClient(ctx, values, (client) =>
      call(client, runFile, { path, args, timeout_seconds: timeout }, { timeoutMs: waitFor(timeout) }),
    );
    if (values.json) printJson(ctx.io, structured);
    else printRun(ctx.io, value);
    return runExitCode(value);
  },
};
