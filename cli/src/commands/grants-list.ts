import { OAuthGrantList } from "../../../src/shared/oauth-grants.ts";
import { parseCommandArgs } from "../args.ts";
import { type Command, printJson } from "../command.ts";
import { resolveConfig } from "../config.ts";
import { UsageError } from "../errors.ts";
import { table } from "../format.ts";
import { grantsRequest } from "../grants-api.ts";

const NAME = "grants list";

export const grantsListCommand: Command = {
  name: NAME,
  summary: "List the apps signed in as you through OAuth (Claude.ai, Desktop…)",
  help: `Usage: codemode-mcp grants list [--json]

Lists the OAuth grants of the principal your API token belongs to: the app (client)
name, when it was approved and when it was last used (to the minute). Revoke one with
\`grants revoke <id>\`.`,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(NAME, argv, {});
    if (positionals.length > 0) throw new UsageError("grants list takes no arguments.", NAME);
    const config = resolveConfig(values, ctx.io.env);
    const list = await grantsRequest(ctx.fetch ?? fetch, config, OAuthGrantList, "GET");
    if (values.json) {
      printJson(ctx.io, list);
      return 0;
    }
    if (list.grants.length === 0) {
      ctx.io.stdout(`No OAuth grants for ${list.principal}.\n`);
      return 0;
    }
    const rows = list.grants.map((g) => [g.id, g.clientName, g.createdAt, g.lastUsedAt ?? "never"]);
    ctx.io.stdout(`${table([["ID", "CLIENT", "CREATED", "LAST USED"], ...rows])}\n`);
    return 0;
  },
};
