/**
 * Turns an upstream `tools/call` result into the value a program receives:
 * - `isError` results throw, carrying the upstream's text as the message;
 * - `structuredContent` is returned as is (typed when the tool declares an output schema);
 * - text-only content becomes its JSON value when the text is JSON, else the text
 *   (several text blocks become an array of those);
 * - anything else (images, resources) is returned as the content block array.
 */
import type { CallToolResult, ContentBlock } from "@modelcontextprotocol/sdk/types.js";

/** Upper bound on the upstream message copied into an error, in characters. */
const MAX_ERROR_TEXT = 2000;

export function contentText(content: ContentBlock[]): string {
  return content
    .map((b) => (b.type === "text" ? b.text : `[${b.type}]`))
    .join("\n")
    .slice(0, MAX_ERROR_TEXT);
}

function parseText(text: string): unknown {
  const t = text.trim();
  if (t.startsWith("{") || t.startsWith("[") || t.startsWith('"')) {
    try {
      return JSON.parse(t);
    } catch {
      return text;
    }
  }
  return text;
}

/** Outcome of unwrapping: a value, or the upstream's error message. */
export type Unwrapped = { ok: true; value: unknown } | { ok: false; message: string };

export function unwrapResult(result: CallToolResult): Unwrapped {
  const content = result.content ?? [];
  if (result.isError) {
    return { ok: false, message: contentText(content) || "the tool reported an error without a message" };
  }
  if (result.structuredContent !== undefined) return { ok: true, value: result.structuredContent };
  const texts = content.flatMap((b) => (b.type === "text" ? [b.text] : []));
  if (texts.length === content.length) {
    if (texts.length === 0) return { ok: true, value: null };
    if (texts.length === 1) return { ok: true, value: parseText(texts[0] ?? "") };
    return { ok: true, value: texts.map(parseText) };
  }
  return { ok: true, value: content };
}
