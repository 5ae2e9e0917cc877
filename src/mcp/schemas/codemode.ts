/** Schemas of the code-mode discovery tools, search_tools and describe_tool. */

import { z } from "zod";
import { ServerStatus } from "../../codemode/status.ts";
import { toolContract } from "./contract.ts";

export const SearchToolsInput = z.object({
  query: z
    .string()
    .max(500)
    .describe(
      'what the tool should do, in a few words, e.g. "sum numbers" or "create issue"; empty lists all',
    ),
  limit: z.number().int().min(1).max(50).default(10).describe("maximum matches (default 10)"),
});
export type SearchToolsInput = z.infer<typeof SearchToolsInput>;

export const SearchToolsOutput = z.object({
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
export type SearchToolsOutput = z.infer<typeof SearchToolsOutput>;

export const searchTools = toolContract("search_tools", SearchToolsInput, SearchToolsOutput);

export const DescribeToolInput = z.object({
  name: z.string().min(3).max(200).describe('the tool as search_tools names it: "<server>.<tool>"'),
});
export type DescribeToolInput = z.infer<typeof DescribeToolInput>;

export const DescribeToolOutput = z.object({
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
export type DescribeToolOutput = z.infer<typeof DescribeToolOutput>;

export const describeTool = toolContract("describe_tool", DescribeToolInput, DescribeToolOutput);
