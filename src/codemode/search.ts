/**
 * Ranks upstream tools against a free-text query for `search_tools`.
 *
 * Tokens come from splitting on non-alphanumerics and camelCase, lower-cased. Each
 * query token scores against the best field it hits; the weights favour the name,
 * because models search by what a tool does and names say that most densely:
 *   exact name 100 · name token 12 · name prefix 8 · server 6 · title 5 ·
 *   description token 4 · description prefix 2 · parameter name 2.
 * A tool must hit at least one query token. Ties keep a stable, alphabetical order.
 */
import type { UpstreamTool } from "./upstreams.ts";

const STOP_WORDS = new Set(["a", "an", "the", "to", "of", "for", "and", "or", "in", "on", "with", "tool"]);

export function tokens(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t !== "" && !STOP_WORDS.has(t));
}

function paramNames(tool: UpstreamTool): string[] {
  const props = tool.inputSchema.properties;
  return props && typeof props === "object" ? Object.keys(props) : [];
}

function tokenScore(q: string, tool: UpstreamTool, fields: ToolFields): number {
  let best = 0;
  const take = (n: number) => {
    if (n > best) best = n;
  };
  if (fields.name.includes(q)) take(12);
  else if (fields.name.some((t) => t.startsWith(q) || (q.length >= 4 && t.includes(q)))) take(8);
  if (tool.server === q) take(6);
  if (fields.title.includes(q)) take(5);
  if (fields.description.has(q)) take(4);
  else if (q.length >= 3 && [...fields.description].some((t) => t.startsWith(q))) take(2);
  if (fields.params.includes(q)) take(2);
  return best;
}

interface ToolFields {
  name: string[];
  title: string[];
  description: Set<string>;
  params: string[];
}

export interface RankedTool {
  tool: UpstreamTool;
  score: number;
}

export function rankTools(query: string, tools: UpstreamTool[]): RankedTool[] {
  const q = tokens(query);
  const exact = query.trim().toLowerCase();
  const ranked: RankedTool[] = [];
  for (const tool of tools) {
    const fields: ToolFields = {
      name: tokens(tool.upstreamName),
      title: tokens(tool.title ?? ""),
      description: new Set(tokens(tool.description)),
      params: paramNames(tool).flatMap(tokens),
    };
    let score = 0;
    let hits = 0;
    for (const t of q) {
      const s = tokenScore(t, tool, fields);
      score += s;
      if (s > 0) hits++;
    }
    const names = [tool.identifier, tool.upstreamName, tool.qualifiedName].map((n) => n.toLowerCase());
    if (names.includes(exact)) score += 100;
    // Covering every query word beats matching one word strongly.
    if (q.length > 1 && hits === q.length) score += 5 * hits;
    if (score > 0) ranked.push({ tool, score });
  }
  return ranked.sort((a, b) => b.score - a.score || a.tool.qualifiedName.localeCompare(b.tool.qualifiedName));
}
