import { z } from "zod";
import { AppError } from "../../errors/app-error.ts";
import type { ToolDeps } from "../deps.ts";
import { defineTool } from "../tool-kit.ts";

const input = z.object({
  name: z.string().min(3).max(200).describe('the tool as search_tools names it: "<server>.<tool>"'),
});

const output = z.object({
  name: z.string(),
  server: z.string(),
  upstreamName: z.string(),
  title: z.string().optional(),
  description: z.string(),
  hasOutputSchema: z.boolean(),
  declaration: z.string().describe("TypeScript declaration, with a typed result when the tool declares one"),
  inputSchema: z.record(z.string(), z.unknown()),
  outputSchema: z.record(z.string(), z.unknown()).optional(),
});

export const describeToolTool = defineTool<ToolDeps>()({
  name: "describe_tool",
  title: "Describe an upstream tool",
  description:
    'Return one upstream tool\'s full TypeScript declaration (input type, and a typed result when the tool declares an output schema) and its JSON Schemas. Name it as search_tools does, e.g. "everything.get_sum"; call it from execute_code as `await codemode.everything.get_sum({...})`.',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input,
  output,
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
