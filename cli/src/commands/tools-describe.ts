/** `codemode-mcp tools describe`: show an upstream tool's TypeScript declaration. */
import { describeTool } from "../../../src/mcp/schemas/codemode.ts";
import { parseCommandArgs } from "../args.ts";
import { call } from "../client.ts";
import { type Command, printJson, withClient } from "../command.ts";
import { UsageError } from "../errors.ts";

const NAME = "tools describe";

export const toolsDescribeCommand: Command = {
  name: NAME,
  summary: "Show an upstream tool's TypeScript declaration",
  help: `Usage: codemode-mcp tools describe <server.tool> [--json]

Prints one upstream tool's description and TypeScript declaration (with its result type
when the tool declares one), named as \`tools search\` lists it, e.g. everything.get_sum.`,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(NAME, argv, {});
    const [name, ...extra] = positionals;
    if (name === undefined) throw new UsageError("Missing the tool's <server.tool> name.", NAME);
    if (extra.length > 0) throw new UsageError("tools describe takes one name.", NAME);
    const { value, structured } = await withClient(ctx, values, (client) =>
      call(client, describeTool, { name }),
    );
    if (values.json) {
      printJson(ctx.io, structured);
      return 0;
    }
    const title = value.title ? ` — ${value.title}` : "";
    ctx.io.stdout(
      `${value.name}${title}\n\n${value.description.trimEnd()}\n\n${value.declaration.trimEnd()}\n`,
    );
    return 0;
  },
};
