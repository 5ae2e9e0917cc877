/** describe_tool: one upstream tool's full TypeScript declaration and schemas (code mode). */
import { AppError } from "../../errors/app-error.ts";
import type { ToolDeps } from "../deps.ts";
import { describeTool } from "../schemas/codemode.ts";
import { defineTool } from "../tool-kit.ts";

export const describeToolTool = defineTool<ToolDeps>()({
  ...describeTool,
  title: "Describe an upstream tool",
  description:
    'Return one upstream tool\'s full TypeScript declaration (input type, and a typed result when the tool declares an output schema) and its JSON Schemas. Name it as search_tools does, e.g. "everything.get_sum"; call it from execute_code as `await codemode.everything.get_sum({...})`.',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async ({ name }, deps) => {
    if (!deps.codemode) throw new AppError("TOOL_NOT_FOUND", "No upstream MCP servers are configured.");
    const tool = await deps.codemode.describeTool(name);
    const text = [
      `${tool.name}${tool.title ? ` — ${tool.title}` : ""}`,
      "",
      "```ts",
      tool.declaration,
      "```",
    ];
    return { structured: tool, content: [{ type: "text", text: text.join("\n") }] };
  },
});
