/** `codemode-mcp put`: upload a local file (or stdin) to the workspace. */
import { Buffer } from "node:buffer";
import { basename } from "node:path";
import { writeFile } from "../../../src/mcp/schemas/files.ts";
import { parseCommandArgs } from "../args.ts";
import { call } from "../client.ts";
import { type Command, printJson, withClient } from "../command.ts";
import { UsageError } from "../errors.ts";
import { warnIfUnnamed } from "../workspace-hint.ts";

const NAME = "put";

export const putCommand: Command = {
  name: NAME,
  summary: "Upload a local file (or stdin) to the workspace",
  help: `Usage: codemode-mcp put <local> [remote] [--json]

Copies a local file into the workspace, byte for byte. <remote> defaults to the local
file's name under /workspace; parent directories are created. "-" as <local> reads stdin
(then <remote> is required). Name the workspace (--workspace or CODEMODE_WORKSPACE) to
find the file again in later commands.`,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(NAME, argv, {});
    const [local, remoteArg, ...extra] = positionals;
    if (local === undefined) throw new UsageError("Missing <local> file.", NAME);
    if (extra.length > 0) throw new UsageError("put takes a local file and at most one remote path.", NAME);
    if (local === "-" && remoteArg === undefined)
      throw new UsageError("Reading stdin needs a <remote> path.", NAME);
    const remote = remoteArg ?? basename(local);
    const bytes = local === "-" ? await ctx.io.readStdin() : await readLocal(ctx.io.readFile, local);
    // base64 carries any bytes unchanged, text or not.
    const content = Buffer.from(bytes).toString("base64");
    const { value, structured } = await withClient(ctx, values, (client) =>
      call(client, writeFile, { path: remote, content, encoding: "base64" }),
    );
    if (values.json) printJson(ctx.io, structured);
    else ctx.io.stdout(`${value.path} (${value.size} bytes)\n`);
    warnIfUnnamed(ctx, values);
    return 0;
  },
};

async function readLocal(read: (path: string) => Promise<Uint8Array>, path: string): Promise<Uint8Array> {
  try {
    return await read(path);
  } catch (error) {
    throw new UsageError(`Cannot read ${path}: ${(error as Error).message}`, NAME);
  }
}
