/**
 * The CLI writes its own schemas for the server's tools (the tool modules do not load on
 * Node; see cli/src/schemas.ts). This checks each one against the tool's real schemas:
 * every argument the CLI can send is one the tool declares, and every result field the
 * CLI reads is one the tool returns, with the same type. execute_code's module cannot be
 * loaded here at all; the e2e test covers it.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { TOOL_SPECS } from "../../../cli/src/schemas.ts";

type Json = Record<string, unknown>;

/** Loads a tool module by a computed path, so the type checker does not follow it into Worker code. */
async function serverTool(name: string): Promise<{ input: z.ZodType; output: z.ZodType }> {
  const file = name.replace(/_/g, "-");
  const module: Record<string, unknown> = await import(`../../../src/mcp/tools/${file}.ts`);
  const tool = Object.values(module).find((v) => (v as { name?: unknown }).name === name);
  if (!tool) throw new Error(`no ${name} in src/mcp/tools/${file}.ts`);
  return tool as { input: z.ZodType; output: z.ZodType };
}

const schema = (s: z.ZodType, io: "input" | "output") =>
  z.toJSONSchema(s, { io, unrepresentable: "any" }) as Json;

/** Differences where `mine` asks for more than `theirs` offers, as readable paths. */
function notCovered(mine: Json, theirs: Json, path: string): string[] {
  const problems: string[] = [];
  const myType = mine.type;
  if (
    myType !== undefined &&
    theirs.type !== undefined &&
    JSON.stringify(myType) !== JSON.stringify(theirs.type)
  ) {
    problems.push(`${path}: type ${JSON.stringify(myType)} vs ${JSON.stringify(theirs.type)}`);
  }
  const myProps = (mine.properties ?? {}) as Record<string, Json>;
  const theirProps = (theirs.properties ?? {}) as Record<string, Json>;
  for (const [key, sub] of Object.entries(myProps)) {
    const other = theirProps[key];
    if (!other) problems.push(`${path}.${key}: not in the tool's schema`);
    else problems.push(...notCovered(unwrap(sub), unwrap(other), `${path}.${key}`));
  }
  if (mine.items && theirs.items)
    problems.push(...notCovered(mine.items as Json, theirs.items as Json, `${path}[]`));
  return problems;
}

/** `T | null` is written as anyOf; compare the non-null branch. */
function unwrap(s: Json): Json {
  const anyOf = s.anyOf as Json[] | undefined;
  return anyOf?.find((branch) => branch.type !== "null") ?? s;
}

function required(s: Json): string[] {
  return (s.required as string[] | undefined) ?? [];
}

describe.each(TOOL_SPECS.filter((spec) => spec.name !== "execute_code"))("$name", (spec) => {
  it("sends only arguments the tool declares", async () => {
    const server = await serverTool(spec.name);
    expect(notCovered(schema(spec.input, "input"), schema(server.input, "input"), "input")).toEqual([]);
  });

  it("reads only result fields the tool returns, required where the tool guarantees them", async () => {
    const server = await serverTool(spec.name);
    const mine = schema(spec.output, "output");
    const theirs = schema(server.output, "output");
    expect(notCovered(mine, theirs, "output")).toEqual([]);
    expect(required(mine).filter((key) => !required(theirs).includes(key))).toEqual([]);
  });
});
