/** `codemode-mcp ls`: list workspace files. */
import { listFiles } from "../../../src/mcp/schemas/files.ts";
import { parseCommandArgs } from "../args.ts";
import { call } from "../client.ts";
import { type Command, printJson, withClient } from "../command.ts";
import { UsageError } from "../errors.ts";
import { table } from "../format.ts";

const NAME = "ls";

const TYPE_MARK = { file: "-", directory: "d", symlink: "l", other: "?" } as const;

export const lsCommand: Command = {
  name: NAME,
  summary: "List workspace files",
  help: `Usage: codemode-mcp ls [path] [-r] [--json]

Lists a workspace directory (default /workspace): type, size, modification time, path.

Options:
  -r, --recursive  include everything below, not just direct children`,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(NAME, argv, {
      recursive: { type: "boolean", short: "r" },
    });
    if (positionals.length > 1) throw new UsageError("ls takes at most one path.", NAME);
    const [path] = positionals;
    const { value, structured } = await withClient(ctx, values, (client) =>
      call(client, listFiles, {
        ...(path !== undefined ? { path } : {}),
        recursive: values.recursive ?? false,
      }),
    );
    if (values.json) {
      printJson(ctx.io, structured);
      return 0;
    }
    const rows = value.entries.map((e) => [
      TYPE_MARK[e.type],
      String(e.size).padStart(10),
      e.modifiedAt.replace(/\.\d+Z$/, "Z"),
      e.path,
    ]);
    if (rows.length > 0) ctx.io.stdout(`${table(rows)}\n`);
    if (value.truncated) ctx.io.stderr(`[only the first ${value.entries.length} entries are listed]\n`);
    return 0;
  },
};
