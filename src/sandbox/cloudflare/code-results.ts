/**
 * Normalizes what the SDK's interpreters return (sandbox-container 0.12.x) into one
 * shape for every language:
 * - IPython reports an exception with `format_tb` frames only and also prints its own
 *   traceback into stdout: the printed block moves from stdout into `traceback`.
 * - IPython reports a syntax error with no `error` at all, only printed text: it is
 *   recognised and turned into a SyntaxError (nothing else ran in that cell).
 * - The node executor reports every exception as `ExecutionError` whose message is
 *   the stack, which also went to stderr: name and message come from its first line.
 * - IPython's display hook also prints a trailing expression's value into stdout as
 *   `Out[n]: value`, beside returning it as a result: the printed copy is removed.
 * - Debian's IPython 8.5 writes the cell marker as `Cell In [1]`, newer ones `Cell In[1]`.
 */

import type { ExecutionResult } from "@cloudflare/sandbox";
import { toBase64 } from "../../shared/encoding.ts";
import type { CodeError, Image, Language } from "../../shared/sandbox-schema.ts";

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, "g");
const IPYTHON_RULE = /^-{20,}$/m;
const PY_COMPILE_ERROR = /^(SyntaxError|IndentationError|TabError): ?(.*)$/;
const JS_FIRST_LINE = /^([A-Za-z_$][\w$]*): ?(.*)$/;

export interface NormalizedRun {
  stdout: string;
  stderr: string;
  error?: CodeError;
  result?: string;
  images: Image[];
}

export function normalizeRun(result: ExecutionResult, language: Exclude<Language, "bash">): NormalizedRun {
  let stdout = result.logs.stdout.join("");
  let stderr = result.logs.stderr.join("");
  let error: CodeError | undefined = result.error
    ? {
        name: result.error.name,
        message: result.error.message.replace(ANSI, ""),
        traceback: result.error.traceback.map((l) => l.replace(ANSI, "")),
      }
    : undefined;

  if (language === "python") {
    if (error) {
      const printed = splitPrintedTraceback(stdout);
      stdout = printed.before;
      if (printed.traceback.length > 0) error.traceback = printed.traceback;
      const last = `${error.name}: ${error.message}`;
      if (!error.traceback.some((l) => l.startsWith(`${error?.name}:`))) error.traceback.push(last);
    } else {
      const compile = compileError(stdout);
      if (compile) {
        error = compile;
        stdout = "";
      }
    }
  } else if (error && error.name === "ExecutionError") {
    const stack = error.message;
    const [first = "", ...frames] = stack.split("\n");
    const m = JS_FIRST_LINE.exec(first);
    if (m)
      error = {
        name: m[1] as string,
        message: m[2] as string,
        traceback: frames.map((f) => f.trim()).filter(Boolean),
      };
    // The same stack was written to stderr; keep it once, in the error.
    if (stderr.endsWith(stack)) stderr = stderr.slice(0, stderr.length - stack.length);
  }

  const { images, text } = mapResults(result.results);
  if (language === "python" && text !== undefined) stdout = withoutDisplayedValue(stdout, text);
  return {
    stdout,
    stderr,
    ...(error ? { error } : {}),
    ...(text !== undefined ? { result: text } : {}),
    images,
  };
}

/** Removes the `Out[n]: <value>` line(s) IPython printed for the trailing expression. */
function withoutDisplayedValue(stdout: string, value: string): string {
  const at = stdout.lastIndexOf("Out[");
  if (at === -1 || (at > 0 && stdout[at - 1] !== "\n")) return stdout;
  const m = /^Out\[\d+\]: ?/.exec(stdout.slice(at));
  if (!m) return stdout;
  const printed = stdout.slice(at + m[0].length);
  const trimmed = printed.startsWith("\n") ? printed.slice(1) : printed;
  return trimmed === `${value}\n` || trimmed === value ? stdout.slice(0, at) : stdout;
}

function splitPrintedTraceback(stdout: string): { before: string; traceback: string[] } {
  const clean = stdout.replace(ANSI, "");
  const m = IPYTHON_RULE.exec(clean);
  if (!m || !/Traceback \(most recent call last\)/.test(clean.slice(m.index)))
    return { before: stdout, traceback: [] };
  const block = clean.slice(m.index + m[0].length);
  return {
    before: clean.slice(0, m.index),
    traceback: block
      .split("\n")
      .map((l) => l.trimEnd())
      .filter((l) => l !== ""),
  };
}

function compileError(stdout: string): CodeError | undefined {
  const lines = stdout.replace(ANSI, "").trimEnd().split("\n");
  const m = PY_COMPILE_ERROR.exec(lines.at(-1) ?? "");
  if (!m || !lines.some((l) => /^\s*(Cell In ?\[|File ")/.test(l))) return undefined;
  return { name: m[1] as string, message: m[2] as string, traceback: lines };
}

function mapResults(results: ExecutionResult["results"]): { images: Image[]; text?: string } {
  const images: Image[] = [];
  const texts: string[] = [];
  for (const r of results) {
    if (r.png) images.push({ mimeType: "image/png", data: r.png });
    else if (r.jpeg) images.push({ mimeType: "image/jpeg", data: r.jpeg });
    else if (r.svg)
      images.push({ mimeType: "image/svg+xml", data: toBase64(new TextEncoder().encode(r.svg)) });
    // A figure's text is only its repr ("<Figure size ...>"); keep text of plain values.
    else if (typeof r.text === "string") texts.push(r.text);
    // Lists and dicts (Python) and objects (JS) come back as JSON only.
    else if (r.json !== undefined) texts.push(typeof r.json === "string" ? r.json : JSON.stringify(r.json));
  }
  return texts.length > 0 ? { images, text: texts.join("\n") } : { images };
}
