/**
 * Naming: upstream tools are addressed as `<server>.<identifier>`, where the
 * identifier is the upstream name made a valid JavaScript and Python name
 * (`get-sum` → `get_sum`). The mapping back is kept per server by the upstream
 * manager; two upstream names that collapse to one identifier keep the first and
 * report the second (see `indexTools`).
 */
import { sanitizeToolName } from "@cloudflare/codemode";

/** Names that are valid in JavaScript but not as Python attributes. */
const PYTHON_ONLY_RESERVED = new Set(["None", "True", "False"]);

export function toolIdentifier(upstreamName: string): string {
  const id = sanitizeToolName(upstreamName);
  return PYTHON_ONLY_RESERVED.has(id) ? `${id}_` : id;
}

export function qualifiedName(server: string, identifier: string): string {
  return `${server}.${identifier}`;
}

/** Splits `server.tool` (either spelling of the tool); undefined when there is no dot. */
export function splitQualified(name: string): { server: string; tool: string } | undefined {
  const dot = name.indexOf(".");
  if (dot <= 0 || dot === name.length - 1) return undefined;
  return { server: name.slice(0, dot), tool: name.slice(dot + 1) };
}

/** `everything` + `get_sum` → `EverythingGetSum`: a prefix for generated type names. */
export function typeNamePrefix(server: string, identifier: string): string {
  return `${server}_${identifier}`
    .split(/[^A-Za-z0-9]+/)
    .filter((p) => p !== "")
    .map((p) => p[0]?.toUpperCase() + p.slice(1))
    .join("");
}
