import { z } from "zod";
import { AppError } from "../../errors/app-error.ts";
import type { ToolDeps } from "../deps.ts";
import { defineTool } from "../tool-kit.ts";

const input = z.object({
  query: z
    .string()
    .max(500)
    .describe(
      'what the tool should do, in a few words, e.g. "sum numbers" or "create issue"; empty lists all',
    ),
  limit: z.number().int().min(1).max(50).default(10).describe("maximum matches (default 10)"),
});

const ServerStatus = z.object({
  name: z.string(),
  state: z.enum(["ok", "unreachable", "misconfigured", "not_connected"]),
  transport: z.enum(["streamable-http", "sse"]).optional(),
  tools: z.number().int().optional(),
  hiddenTools: z.number().int().optional().describe("tools hidden by the allow/deny configuration"),
  error: z.string().optional(),
});

const output = z.object({
  matches: z.array(
    z.object({
      name: z.string().describe("call it as codemode.<name>(input)"),
      upstreamName: z.string().describe("the tool's name on its server"),
      description: z.string(),
      hasOutputSchema: z.boolean().describe("true when the result type is declared"),
    }),
  ),
  declarations: z.string().describe("TypeScript declarations of the matching tools"),
  totalTools: z.number().int().describe("tools available across all reachable servers"),
  servers: z.array(ServerStatus),
});

export const searchToolsTool = defineTool<ToolDeps>()({
  name: "search_tools",
  title: "Search upstream tools",
  description:
    "Find tools of the connected upstream MCP servers to call from code. Returns the best matches with TypeScript declarations (`codemode.<server>.<tool>(input)`), and the status of each server. Then write one program with execute_code (javascript/typescript, or python via `import codemode`) that calls the tools and returns only what you need. Use describe_tool for one tool's full declaration.",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input,
  output,
  handler: async ({ query, limit }, deps) => {
    if (!deps.codemode) throw new AppError("TOOL_NOT_FOUND", "No upstream MCP servers are configured.");
    const found = await deps.codemode.searchTools(query, limit);
    const down = found.servers.filter((s) => s.state !== "ok" && s.state !== "not_connected");
    const header =
      found.matches.length === 0
        ? `No tools match "${query}" among ${found.totalTools}.`
        : `${found.matches.length} of ${found.totalTools} tools match "${query}".`;
    const notes = down.map((s) => `Server "${s.name}" is ${s.state}: ${s.error ?? "unknown error"}`);
    const text = [header, ...notes, "", "```ts", found.declarations, "```"].join("\n");
    return { structured: found, content: [{ type: "text", text }] };
  },
});
