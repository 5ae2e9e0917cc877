/** `codemode-mcp rm`: delete a workspace file or directory (recursively). */
import { deleteFile } from "../../../src/mcp/schemas/files.ts";
import { parseCommandArgs } from "../args.ts";
import { call } from "../client.ts";
import { type Command, printJson, withClient } from "../command.ts";
import { UsageError } from "../errors.ts";

const NAME = "rm";

export const rmCommand: Command = {
  name: NAME,
  summary: "Delete a workspace file or directory (recursively)",
  help: `Usage: codemode-mcp rm <path> [--json]

Deletes a file, or a directory with everything in it, under /workspace.
The workspace root itself cannot be deleted; use reset for that.`,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(NAME, argv, {});
    const [path, ...extra] = positionals;
    if (path === undefined) throw new UsageError("Missing <path>.", NAME);
    if (extra.length > 0) throw new UsageError("rm takes one path.", NAME);
    const { value, structured } = await withClient(ctx, values, (client) =>
      call(client, deleteFile, { path }),
    );
    if (values.json) printJson(ctx.io, structured);
    else ctx.io.stdout(`deleted ${value.path}\n`);
    return 0;
  },
};
