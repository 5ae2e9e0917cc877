/** Tool declarations as a client sees them, unknown tools and bad arguments, ping and logging. */
import { describe, expect, it } from "vitest";
import { ALICE, connect } from "./helpers.ts";

describe("tool declarations", () => {
  it("every tool has a description, annotations, input and output schemas", async () => {
    const { client } = await connect(ALICE);
    const { tools } = await client.listTools();
    expect(tools.length).toBeGreaterThan(0);
    for (const tool of tools) {
      expect(tool.description?.length, tool.name).toBeGreaterThan(40);
      expect(tool.inputSchema.type, tool.name).toBe("object");
      expect(tool.outputSchema?.type, tool.name).toBe("object");
      for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const) {
        expect(typeof tool.annotations?.[hint], `${tool.name}.${hint}`).toBe("boolean");
      }
    }
    await client.close();
  });

  it("reports an unknown tool and invalid arguments clearly", async () => {
    const { client } = await connect(ALICE);
    // Spec 2025-11-25: an unknown tool is a JSON-RPC error (-32602), not a tool result.
    const unknown = await client.callTool({ name: "no_such_tool", arguments: {} }).catch((e: Error) => e);
    expect(unknown).toBeInstanceOf(Error);
    expect((unknown as Error & { code?: number }).code).toBe(-32602);
    expect((unknown as Error).message).toMatch(/Unknown tool: no_such_tool/);
    await client.close();
  });

  it("rejects unknown arguments, naming them and listing the valid ones", async () => {
    const { client } = await connect(ALICE);
    const result = await client.callTool({
      name: "execute_code",
      arguments: { language: "python", code: "print(1)", timeout: 1, verbose: true },
    });
    expect(result.isError).toBe(true);
    const text = JSON.stringify(result.content);
    expect(text).toContain('unknown arguments \\"timeout\\", \\"verbose\\"');
    expect(text).toContain("valid arguments: code, language, timeout_seconds");
    await client.close();
  });

  it("declares schemas in the portable subset: one type per schema, no empty sub-schemas", async () => {
    const { client } = await connect(ALICE);
    const { tools } = await client.listTools();
    const problems: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) {
        for (const [i, n] of node.entries()) walk(n, `${path}[${i}]`);
        return;
      }
      if (node === null || typeof node !== "object") return;
      for (const [key, value] of Object.entries(node)) {
        if (key === "type" && Array.isArray(value)) problems.push(`${path}.type is an array`);
        if (
          key === "additionalProperties" &&
          typeof value === "object" &&
          Object.keys(value ?? {}).length === 0
        )
          problems.push(`${path}.additionalProperties is {}`);
        if (key !== "enum" && key !== "required") walk(value, `${path}.${key}`);
      }
    };
    for (const tool of tools) {
      walk(tool.inputSchema, `${tool.name}.inputSchema`);
      walk(tool.outputSchema, `${tool.name}.outputSchema`);
      // Unknown arguments are refused, and the schema says so.
      expect(tool.inputSchema.additionalProperties, tool.name).toBe(false);
    }
    expect(problems).toEqual([]);
    await client.close();
  });

  it("answers ping and honours logging/setLevel", async () => {
    const { client } = await connect(ALICE);
    await expect(client.ping()).resolves.toBeDefined();
    await expect(client.setLoggingLevel("warning")).resolves.toBeDefined();
    await client.close();
  });
});
