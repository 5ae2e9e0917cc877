/**
 * TypeScript declarations of upstream tools, for the model to write code against.
 * Input and output types come from `@cloudflare/codemode`'s JSON Schema converter;
 * the nesting (`codemode.<server>.<tool>`) and doc comments are ours, because the
 * library's own generator emits a flat namespace.
 *
 * @example
 * type EverythingGetSumInput = { a: number; b: number }
 * type EverythingGetSumOutput = unknown
 * declare const codemode: {
 *   everything: {
 *     /** Returns the sum of two numbers *\/
 *     get_sum: (input: EverythingGetSumInput) => Promise<EverythingGetSumOutput>;
 *   };
 * };
 */
import { jsonSchemaToType } from "@cloudflare/codemode";
import { typeNamePrefix } from "./names.ts";
import type { UpstreamTool } from "./upstreams.ts";

type JSONSchema7 = Parameters<typeof jsonSchemaToType>[0];

/** What a program receives from a tool without an output schema (see result.ts). */
const UNTYPED_RESULT_NOTE =
  "@returns the tool's text parsed as JSON when it is JSON, otherwise the text itself";

function jsDoc(text: string): string {
  return text.replace(/\*\//g, "*\\/").replace(/\r?\n/g, " ").trim();
}

function typeOrUnknown(schema: JSONSchema7 | undefined, name: string): string {
  if (!schema) return `type ${name} = unknown`;
  try {
    return jsonSchemaToType(schema, name).trim();
  } catch {
    return `type ${name} = unknown`;
  }
}

function memberFor(tool: UpstreamTool, indent: string): string {
  const prefix = typeNamePrefix(tool.server, tool.identifier);
  const lines = [tool.description.trim() ? jsDoc(tool.description) : tool.upstreamName];
  if (tool.title && tool.title !== tool.description) lines.unshift(jsDoc(tool.title));
  if (!tool.outputSchema) lines.push(UNTYPED_RESULT_NOTE);
  const doc = [`${indent}/**`, ...lines.map((l) => `${indent} * ${l}`), `${indent} */`];
  return [...doc, `${indent}${tool.identifier}: (input: ${prefix}Input) => Promise<${prefix}Output>;`].join(
    "\n",
  );
}

/** Declarations for the given tools: their types, then one `codemode` object. */
export function declarationsFor(tools: UpstreamTool[]): string {
  if (tools.length === 0) return "declare const codemode: {};";
  const types: string[] = [];
  const byServer = new Map<string, UpstreamTool[]>();
  for (const tool of tools) {
    const prefix = typeNamePrefix(tool.server, tool.identifier);
    types.push(typeOrUnknown(tool.inputSchema as JSONSchema7, `${prefix}Input`));
    types.push(typeOrUnknown(tool.outputSchema as JSONSchema7 | undefined, `${prefix}Output`));
    const list = byServer.get(tool.server) ?? [];
    list.push(tool);
    byServer.set(tool.server, list);
  }
  const servers = [...byServer].map(
    ([server, list]) => `  ${server}: {\n${list.map((t) => memberFor(t, "    ")).join("\n")}\n  };`,
  );
  return `${types.join("\n")}\n\ndeclare const codemode: {\n${servers.join("\n")}\n};`;
}
