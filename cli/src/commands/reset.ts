/** `codemode-mcp reset`: wipe the workspace: files, contexts and processes (needs --yes). */
import { resetWorkspace } from "../../../src/mcp/schemas/workspace.ts";
import { parseCommandArgs } from "../args.ts";
import { call } from "../client.ts";
import { type Command, printJson, withClient } from "../command.ts";
import { UsageError } from "../errors.ts";

const NAME = "reset";

export const resetCommand: Command = {
  name: NAME,
  summary: "Wipe the workspace: files, contexts and processes (needs --yes)",
  help: `Usage: codemode-mcp reset --yes [--json]

Deletes every file under /workspace, discards the language contexts (variables) and
kills running processes. It cannot be undone, so it needs --yes.`,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(NAME, argv, { yes: { type: "boolean", short: "y" } });
    if (positionals.length > 0) throw new UsageError("reset takes no arguments.", NAME);
    if (!values.yes) throw new UsageError("reset wipes the whole workspace; confirm with --yes.", NAME);
    const { value, structured } = await withClient(ctx, values, (client) => call(client, resetWorkspace, {}));
    if (values.json) printJson(ctx.io, structured);
    else ctx.io.stdout(`workspace ${value.workspace} reset\n`);
    return 0;
  },
};
