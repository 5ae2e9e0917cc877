/** search_tools: finds upstream tools for code mode, with their TypeScript declarations. */
import { AppError } from "../../errors/app-error.ts";
import type { ToolDeps } from "../deps.ts";
import { searchTools } from "../schemas/codemode.ts";
import { defineTool } from "../tool-kit.ts";

export const searchToolsTool = defineTool<ToolDeps>()({
  ...searchTools,
  title: "Search upstream tools",
  description:
    "Find tools of the connected upstream MCP servers to call from code. Returns the best matches with TypeScript declarations (`codemode.<server>.<tool>(input)`), and the status of each server. Then write one program with execute_code (javascript/typescript, or python via `import codemode`) that calls the tools and returns only what you need. Use describe_tool for one tool's full declaration.",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
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
