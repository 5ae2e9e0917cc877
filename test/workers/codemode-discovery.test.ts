/**
 * Code-mode discovery through the official MCP client against the Worker, with the
 * real server-everything as upstream (started by codemode-global-setup.ts).
 */
import { describe, expect, it } from "vitest";
import { ALICE, connect } from "./helpers.ts";

interface SearchResult {
  matches: { name: string; upstreamName: string; hasOutputSchema: boolean }[];
  declarations: string;
  totalTools: number;
  servers: { name: string; state: string; error?: string; hiddenTools?: number }[];
}

interface DescribeResult {
  name: string;
  declaration: string;
  hasOutputSchema: boolean;
  outputSchema?: unknown;
}

function textOf(result: unknown): string {
  const blocks = ((result as { content?: unknown }).content ?? []) as { type: string; text?: string }[];
  return blocks.map((b) => b.text ?? "").join("\n");
}

// The first session in a fresh runtime pays for module loading (a few seconds).
describe("search_tools and describe_tool", { timeout: 30_000 }, () => {
  it("finds get-sum for 'sum' with a typed declaration", async () => {
    const { client } = await connect(ALICE);
    const res = await client.callTool({ name: "search_tools", arguments: { query: "sum" } });
    expect(res.isError).toBeFalsy();
    const found = res.structuredContent as unknown as SearchResult;
    expect(found.matches[0]).toMatchObject({ name: "everything.get_sum", upstreamName: "get-sum" });
    expect(found.declarations).toMatch(/type EverythingGetSumInput = \{[^}]*a: number;[^}]*b: number;/s);
    expect(found.declarations).toContain(
      "get_sum: (input: EverythingGetSumInput) => Promise<EverythingGetSumOutput>;",
    );
    expect(found.declarations).toMatch(/declare const codemode: \{\s*everything: \{/);
    expect(textOf(res)).toContain("```ts");
    await client.close();
  });

  it("reports the unreachable server by name without breaking the others", async () => {
    const { client } = await connect(ALICE);
    const res = await client.callTool({ name: "search_tools", arguments: { query: "echo" } });
    const found = res.structuredContent as unknown as SearchResult;
    expect(found.matches.map((m) => m.name)).toContain("everything.echo");
    const broken = found.servers.find((s) => s.name === "broken");
    expect(broken?.state).toBe("unreachable");
    expect(broken?.error).toBeTruthy();
    expect(found.servers.find((s) => s.name === "everything")?.state).toBe("ok");
    expect(textOf(res)).toMatch(/Server "broken" is unreachable/);
    await client.close();
  });

  it("hides denied tools from search and refuses to describe them", async () => {
    const { client } = await connect(ALICE);
    const res = await client.callTool({ name: "search_tools", arguments: { query: "", limit: 50 } });
    const found = res.structuredContent as unknown as SearchResult;
    const names = found.matches.map((m) => m.upstreamName);
    expect(names).toContain("get-sum");
    expect(names).not.toContain("get-env");
    expect(names.some((n) => n.startsWith("trigger-"))).toBe(false);
    expect(found.servers.find((s) => s.name === "everything")?.hiddenTools).toBeGreaterThan(0);
    expect(found.declarations).not.toContain("get_env");

    const denied = await client.callTool({
      name: "describe_tool",
      arguments: { name: "everything.get_env" },
    });
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toMatch(/^TOOL_NOT_ALLOWED/);
    await client.close();
  });

  it("describes a tool with an output schema with a typed result", async () => {
    const { client } = await connect(ALICE);
    const res = await client.callTool({
      name: "describe_tool",
      arguments: { name: "everything.get-structured-content" },
    });
    expect(res.isError).toBeFalsy();
    const tool = res.structuredContent as unknown as DescribeResult;
    expect(tool.name).toBe("everything.get_structured_content");
    expect(tool.hasOutputSchema).toBe(true);
    expect(tool.declaration).toMatch(
      /type EverythingGetStructuredContentOutput = \{[^}]*temperature: number;/s,
    );
    expect(tool.declaration).toMatch(/location: "New York" \| "Chicago" \| "Los Angeles"/);
    await client.close();
  });

  it("answers unknown tools and servers clearly", async () => {
    const { client } = await connect(ALICE);
    const unknownTool = await client.callTool({
      name: "describe_tool",
      arguments: { name: "everything.nope" },
    });
    expect(textOf(unknownTool)).toMatch(/^TOOL_NOT_FOUND: .*"everything".*"nope"/);
    const unknownServer = await client.callTool({ name: "describe_tool", arguments: { name: "nowhere.x" } });
    expect(textOf(unknownServer)).toMatch(
      /No upstream MCP server is named "nowhere" \(configured: everything, broken\)/,
    );
    const down = await client.callTool({ name: "describe_tool", arguments: { name: "broken.anything" } });
    expect(textOf(down)).toMatch(/^UPSTREAM_UNAVAILABLE: Upstream MCP server "broken" is unreachable/);
    await client.close();
  });
});
