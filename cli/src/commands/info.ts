/** `codemode-mcp info`: show the workspace: name, backend, limits, what survives. */
import { workspaceInfo } from "../../../src/mcp/schemas/workspace.ts";
import { parseCommandArgs } from "../args.ts";
import { call } from "../client.ts";
import { type Command, printJson, withClient } from "../command.ts";
import { keyValues } from "../format.ts";

export const infoCommand: Command = {
  name: "info",
  summary: "Show the workspace: name, backend, limits, what survives",
  help: `Usage: codemode-mcp info [--json]

Shows the workspace this connection is attached to (named with --workspace, or a fresh
one), its sandbox backend, timeouts, output cap and what survives between calls.`,
  async run(argv, ctx) {
    const { values } = parseCommandArgs("info", argv, {});
    const { value: info, structured } = await withClient(ctx, values, (client) =>
      call(client, workspaceInfo, {}),
    );
    if (values.json) {
      printJson(ctx.io, structured);
      return 0;
    }
    const limits = info.limits;
    ctx.io.stdout(
      `${keyValues([
        [
          "workspace",
          `${info.name}${info.named ? "" : " (unnamed: each command gets a new one; name one with --workspace)"}`,
        ],
        ["principal", info.principal],
        ["backend", info.backend],
        ["created", info.createdAt],
        ["last used", info.lastUsedAt],
        ["expires", info.expiresAt ?? "never (named)"],
        ["timeouts", `${limits.defaultTimeoutSeconds} s by default, ${limits.maxTimeoutSeconds} s at most`],
        ["output cap", `${limits.outputLimitBytes} bytes per stream`],
        ["internet", limits.internetAccess ? "yes" : "no"],
        ["durability", info.durability],
      ])}\n`,
    );
    return 0;
  },
};
