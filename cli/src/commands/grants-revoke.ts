import { OAuthGrantRevoked } from "../../../src/shared/oauth-grants.ts";
import { parseCommandArgs } from "../args.ts";
import { type Command, printJson } from "../command.ts";
import { resolveConfig } from "../config.ts";
import { UsageError } from "../errors.ts";
import { grantsRequest } from "../grants-api.ts";

const NAME = "grants revoke";

export const grantsRevokeCommand: Command = {
  name: NAME,
  summary: "Revoke an app's OAuth grant; its next request is refused",
  help: `Usage: codemode-mcp grants revoke <id> [--json]

Revokes one of your OAuth grants (ids from \`grants list\`): its access and refresh
tokens stop working at once, and the app has to ask for consent again.`,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(NAME, argv, {});
    const [grantId, ...extra] = positionals;
    if (grantId === undefined) throw new UsageError("Missing the grant <id>.", NAME);
    if (extra.length > 0) throw new UsageError("grants revoke takes one id.", NAME);
    const config = resolveConfig(values, ctx.io.env);
    const result = await grantsRequest(ctx.fetch ?? fetch, config, OAuthGrantRevoked, "DELETE", grantId);
    if (values.json) printJson(ctx.io, result);
    else ctx.io.stdout(`grant ${result.revoked} revoked\n`);
    return 0;
  },
};
