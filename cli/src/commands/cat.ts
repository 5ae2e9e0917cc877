/** `codemode-mcp cat`: print a workspace file (binary files as raw bytes). */
import { Buffer } from "node:buffer";
import { readFile } from "../../../src/mcp/schemas/files.ts";
import { parseCommandArgs } from "../args.ts";
import { call } from "../client.ts";
import { type Command, printJson, withClient } from "../command.ts";
import { UsageError } from "../errors.ts";

const NAME = "cat";

export const catCommand: Command = {
  name: NAME,
  summary: "Print a workspace file (binary files as raw bytes)",
  help: `Usage: codemode-mcp cat <path> [--json]

Writes a workspace file's exact bytes to stdout, text or binary, e.g.
  codemode-mcp -w demo cat plot.png > plot.png
With --json, prints read_file's result instead (text as utf8, binary as base64).
Files over 4 MB are refused by the server.`,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(NAME, argv, {});
    const [path, ...extra] = positionals;
    if (path === undefined) throw new UsageError("Missing <path>.", NAME);
    if (extra.length > 0) throw new UsageError("cat takes one path.", NAME);
    // Asking for base64 gets the exact bytes of any file, images included (which would
    // otherwise come back as image content without a structured copy).
    const { value, structured } = await withClient(ctx, values, (client) =>
      call(client, readFile, values.json ? { path } : { path, encoding: "base64" }),
    );
    if (values.json) {
      printJson(ctx.io, structured);
      return 0;
    }
    const content = value.content ?? "";
    ctx.io.stdout(value.encoding === "base64" ? new Uint8Array(Buffer.from(content, "base64")) : content);
    return 0;
  },
};
