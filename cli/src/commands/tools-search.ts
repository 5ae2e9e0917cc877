/** `codemode-mcp tools search`: find upstream MCP tools for code mode. */
import { searchTools } from "../../../src/mcp/schemas/codemode.ts";
import { parseCommandArgs, parseCount } from "../args.ts";
import { call } from "../client.ts";
import { type Command, printJson, withClient } from "../command.ts";
import { UsageError } from "../errors.ts";
import { firstLine, table } from "../format.ts";

const NAME = "tools search";

export const toolsSearchCommand: Command = {
  name: NAME,
  summary: "Find upstream MCP tools for code mode",
  help: `Usage: codemode-mcp tools search <query...> [--limit <n>] [--declarations] [--json]

Searches the tools of the upstream MCP servers the server is configured with
(UPSTREAM_MCP_SERVERS), best matches first. Call them from \`exec\` as
codemode.<server>.<tool>(input). An empty query ('') lists all.

Options:
  --limit <n>        matches at most (1–50, default 10)
  --declarations     also print the matches' TypeScript declarations`,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(NAME, argv, {
      limit: { type: "string" },
      declarations: { type: "boolean" },
    });
    if (positionals.length === 0) throw new UsageError("Missing <query> ('' lists every tool).", NAME);
    const query = positionals.join(" ");
    const limit = parseCount(NAME, "limit", values.limit);
    if (limit !== undefined && (limit < 1 || limit > 50)) throw new UsageError("--limit must be 1–50.", NAME);
    const { value, structured } = await withClient(ctx, values, (client) =>
      call(client, searchTools, { query, ...(limit !== undefined ? { limit } : {}) }),
    );
    if (values.json) {
      printJson(ctx.io, structured);
      return 0;
    }
    for (const server of value.servers) {
      if (server.state !== "ok" && server.state !== "not_connected") {
        ctx.io.stderr(
          `[server ${server.name} is ${server.state}${server.error ? `: ${server.error}` : ""}]\n`,
        );
      }
    }
    if (value.matches.length === 0) {
      ctx.io.stderr(`No tools match "${query}" among ${value.totalTools}.\n`);
      return 0;
    }
    ctx.io.stdout(`${table(value.matches.map((m) => [m.name, firstLine(m.description, 80)]))}\n`);
    if (values.declarations) ctx.io.stdout(`\n${value.declarations.trimEnd()}\n`);
    return 0;
  },
};
