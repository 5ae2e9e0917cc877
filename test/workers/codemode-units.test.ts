/** Unit tests of code mode's pure parts: the setting, allow/deny, names, ranking, declarations. */
import { describe, expect, it } from "vitest";
import { declarationsFor } from "../../src/codemode/declarations.ts";
import { toolIdentifier } from "../../src/codemode/names.ts";
import { toolPolicy } from "../../src/codemode/policy.ts";
import { unwrapResult } from "../../src/codemode/result.ts";
import { rankTools } from "../../src/codemode/search.ts";
import { stripTypes } from "../../src/codemode/typescript.ts";
import type { UpstreamTool } from "../../src/codemode/upstreams.ts";
import { parseConfig } from "../../src/config/config.ts";

const BASE = { API_TOKENS: "alice:alice-token-0123456789abcdef" };

function configError(value: unknown): string {
  try {
    parseConfig({ ...BASE, UPSTREAM_MCP_SERVERS: value });
  } catch (error) {
    return (error as Error).message;
  }
  return "no error";
}

function tool(server: string, upstreamName: string, description: string, extra: Partial<UpstreamTool> = {}) {
  const identifier = toolIdentifier(upstreamName);
  return {
    server,
    identifier,
    upstreamName,
    qualifiedName: `${server}.${identifier}`,
    description,
    inputSchema: { type: "object", properties: {} },
    ...extra,
  } satisfies UpstreamTool;
}

describe("UPSTREAM_MCP_SERVERS", () => {
  it("defaults to no upstreams and parses a valid list with defaults filled in", () => {
    expect(parseConfig(BASE).UPSTREAM_MCP_SERVERS).toEqual([]);
    const [server] = parseConfig({
      ...BASE,
      UPSTREAM_MCP_SERVERS: JSON.stringify([
        { name: "gh", url: "https://example.com/mcp", headers: { Authorization: { secret: "GH_TOKEN" } } },
      ]),
    }).UPSTREAM_MCP_SERVERS;
    expect(server).toEqual({
      name: "gh",
      url: "https://example.com/mcp",
      transport: "auto",
      headers: { Authorization: { secret: "GH_TOKEN" } },
      deny: [],
      tools_ttl_seconds: 300,
      call_timeout_ms: 60_000,
    });
  });

  it("fails naming the setting and the problem", () => {
    expect(configError("not json")).toMatch(/UPSTREAM_MCP_SERVERS: must be a JSON array/);
    expect(configError('[{"name":"Bad-Name","url":"https://x.test"}]')).toMatch(
      /UPSTREAM_MCP_SERVERS\.0\.name: must match/,
    );
    expect(configError('[{"name":"class","url":"https://x.test"}]')).toMatch(/Python keyword/);
    expect(configError('[{"name":"a","url":"ftp://x.test"}]')).toMatch(/UPSTREAM_MCP_SERVERS\.0\.url/);
    expect(configError('[{"name":"a","url":"https://x.test"},{"name":"a","url":"https://y.test"}]')).toMatch(
      /UPSTREAM_MCP_SERVERS\.1\.name: "a" appears twice/,
    );
    expect(configError('[{"name":"a","url":"https://x.test","headers":{"X":{"env":"Y"}}}]')).toMatch(
      /UPSTREAM_MCP_SERVERS\.0\.headers\.X/,
    );
    expect(configError('[{"name":"a","url":"https://x.test","extra":1}]')).toMatch(/extra/);
  });
});

describe("allow/deny", () => {
  it("matches globs against both spellings, deny winning", () => {
    const p = toolPolicy({ allow: ["get_*", "echo"], deny: ["get-env"] });
    expect(p.allows("get-sum")).toBe(true);
    expect(p.allows("echo")).toBe(true);
    expect(p.allows("get-env")).toBe(false);
    expect(p.allows("trigger-x")).toBe(false);
    expect(toolPolicy({ deny: ["*.delete"] }).allows("repo.delete")).toBe(false);
    expect(toolPolicy({ deny: ["*.delete"] }).allows("repoXdelete")).toBe(true);
  });
});

describe("search ranking", () => {
  const tools = [
    tool("everything", "get-sum", "Returns the sum of two numbers"),
    tool("everything", "echo", "Echoes back the input string"),
    tool("everything", "get-structured-content", "Returns structured content with an output schema"),
    tool("github", "create_issue", "Create a new issue in a repository"),
    tool("github", "list_issues", "List issues in a repository"),
  ];

  it("ranks name hits above description hits and all-words hits first", () => {
    expect(rankTools("sum", tools)[0]?.tool.upstreamName).toBe("get-sum");
    expect(rankTools("create issue", tools)[0]?.tool.upstreamName).toBe("create_issue");
    expect(rankTools("issue", tools).map((r) => r.tool.upstreamName)).toEqual([
      "create_issue",
      "list_issues",
    ]);
    expect(rankTools("structured output", tools)[0]?.tool.upstreamName).toBe("get-structured-content");
    expect(rankTools("everything.echo", tools)[0]?.tool.upstreamName).toBe("echo");
    expect(rankTools("zebra", tools)).toEqual([]);
  });
});

describe("declarations", () => {
  it("nests tools under their server and types results only when declared", () => {
    const d = declarationsFor([
      tool("everything", "get-sum", "Returns the sum", {
        inputSchema: { type: "object", properties: { a: { type: "number" } }, required: ["a"] },
      }),
      tool("everything", "weather", "Weather */ now", {
        outputSchema: { type: "object", properties: { t: { type: "number" } }, required: ["t"] },
      }),
    ]);
    expect(d).toContain("type EverythingGetSumInput = {");
    expect(d).toContain("type EverythingGetSumOutput = unknown");
    expect(d).toMatch(/type EverythingWeatherOutput = \{\s*t: number;\s*\}/);
    expect(d).toContain("Weather *\\/ now");
    expect(d).toMatch(/declare const codemode: \{\n {2}everything: \{\n/);
    expect(d).toContain("get_sum: (input: EverythingGetSumInput) => Promise<EverythingGetSumOutput>;");
  });
});

describe("results and TypeScript", () => {
  it("unwraps results the way programs see them", () => {
    expect(unwrapResult({ content: [{ type: "text", text: '{"a":1}' }] })).toEqual({
      ok: true,
      value: { a: 1 },
    });
    expect(unwrapResult({ content: [{ type: "text", text: "plain" }] })).toEqual({
      ok: true,
      value: "plain",
    });
    expect(unwrapResult({ content: [], structuredContent: { x: 1 } })).toEqual({ ok: true, value: { x: 1 } });
    expect(unwrapResult({ content: [{ type: "text", text: "bad" }], isError: true })).toEqual({
      ok: false,
      message: "bad",
    });
  });

  it("strips types and code fences, keeping top-level await and return", () => {
    const js = stripTypes("```ts\nconst x: number = await f();\nreturn x as number;\n```");
    expect(js).toBe("const x = await f();\nreturn x ;\n");
  });
});
