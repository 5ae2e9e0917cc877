/**
 * Tool schemas that every client can read. zod writes a nullable scalar as
 * `type: ["string", "null"]` and a free-form record as `additionalProperties: {}`; both
 * are valid JSON Schema, but clients that map schemas onto a single-`type` dialect (the
 * OpenAPI subset some model providers use) reject or mangle them. This walks a tool's
 * schemas once and records, as zod metadata, the portable spelling: `anyOf` with one
 * `type` per branch, and `additionalProperties: true`. Validation is unchanged.
 */
import { z } from "zod";

const SCALARS = new Set(["string", "number", "int", "boolean", "enum", "literal", "bigint"]);

interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  options?: z.ZodType[];
  valueType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

function scalarJson(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { target: "draft-7", io: "output" });
  return json;
}

function patch(schema: z.ZodType, meta: Record<string, unknown>): void {
  z.globalRegistry.add(schema, { ...z.globalRegistry.get(schema), ...meta });
}

const seen = new WeakSet<z.ZodType>();

/** Records portable JSON Schema spellings on every node of `schema`; returns `schema`. */
export function portable<T extends z.ZodType>(schema: T): T {
  if (seen.has(schema)) return schema;
  seen.add(schema);
  const def = defOf(schema);
  const inner = def.innerType;
  if (def.type === "nullable" && inner && SCALARS.has(defOf(inner).type)) {
    // zod folds `anyOf` branches that are bare `{type}` into a type array; a branch that
    // says something more stays a branch.
    patch(schema, { anyOf: [scalarJson(inner), { type: "null", description: "no value" }] });
  }
  if (def.type === "record" && def.valueType && ["unknown", "any"].includes(defOf(def.valueType).type)) {
    patch(schema, { additionalProperties: true });
  }
  for (const child of [
    inner,
    def.element,
    def.valueType,
    def.in,
    def.out,
    ...(def.options ?? []),
    ...Object.values(def.shape ?? {}),
  ]) {
    if (child) portable(child);
  }
  return schema;
}
