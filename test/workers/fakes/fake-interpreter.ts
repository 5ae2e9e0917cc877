/**
 * Code contexts for the fake Sandbox: Python and JavaScript/TypeScript "interpreters"
 * that understand a handful of statement forms, keep variables between runs, and
 * produce the SDK's ExecutionResult shape (logs, results with text/png, error).
 * Loops that never end and sleeps really wait, until the context is deleted.
 */

import { CodeError, evaluate, type Scope, show, type Value } from "./fake-expr.ts";
import { Aborted, sleep } from "./fake-shell.ts";

export interface FakeExecutionResult {
  code: string;
  logs: { stdout: string[]; stderr: string[] };
  error?: { name: string; message: string; traceback: string[] };
  executionCount?: number;
  results: Array<{ text?: string; png?: string }>;
}

/** A 1x1 transparent PNG, standing in for a rendered figure. */
export const FAKE_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

const ESC = String.fromCharCode(27);

export class FakeCodeContext {
  readonly id = crypto.randomUUID();
  readonly language: "python" | "javascript" | "typescript";
  readonly createdAt = new Date();
  readonly vars = new Map<string, Value>();
  readonly #abort = new AbortController();
  #count = 0;

  constructor(language: FakeCodeContext["language"]) {
    this.language = language;
  }

  dispose(): void {
    this.#abort.abort();
  }

  async run(code: string, envVars: Record<string, string | undefined> = {}): Promise<FakeExecutionResult> {
    const result: FakeExecutionResult = { code, logs: { stdout: [], stderr: [] }, results: [] };
    result.executionCount = ++this.#count;
    const lang = this.language === "python" ? "python" : "javascript";
    let figure = false;
    const scope: Scope = {
      language: lang,
      lookup: (name) => {
        if (this.vars.has(name)) return this.vars.get(name);
        if (name.startsWith("os.environ.") || name.startsWith("process.env.")) {
          return envVars[name.slice(name.lastIndexOf(".") + 1)] ?? (lang === "python" ? null : undefined);
        }
        throw lang === "python"
          ? new CodeError("NameError", `name '${name}' is not defined`)
          : new CodeError("ReferenceError", `${name} is not defined`);
      },
      call: async (name, args) => {
        const text = () => args.map((a) => show(a, lang, false)).join(" ");
        switch (name) {
          case "print":
          case "console.log":
            result.logs.stdout.push(`${text()}\n`);
            return lang === "python" ? null : undefined;
          case "console.error":
          case "sys.stderr.write":
            result.logs.stderr.push(name === "console.error" ? `${text()}\n` : text());
            return null;
          case "time.sleep":
            await sleep(Number(args[0]) * 1000, this.#abort.signal);
            return null;
          case "len":
            return Array.isArray(args[0]) || typeof args[0] === "string" ? args[0].length : 0;
          case "str":
          case "String":
            return show(args[0], lang, false);
          case "int":
          case "Number":
            return Math.trunc(Number(args[0]));
          case "os.environ.get":
            return envVars[String(args[0])] ?? args[1] ?? null;
          case "plt.show":
            if (figure) result.results.push({ png: FAKE_PNG, text: show({ figure: true }, lang, true) });
            figure = false;
            return null;
          default:
            if (name.startsWith("plt.")) {
              figure = true;
              return null;
            }
            if (name.startsWith("Error") || name.endsWith("Error")) return `${name}:${String(args[0] ?? "")}`;
            throw lang === "python"
              ? new CodeError("NameError", `name '${name.split(".")[0]}' is not defined`)
              : new CodeError("ReferenceError", `${name.split(".")[0]} is not defined`);
        }
      },
    };

    const lines = splitStatements(code, lang);
    let lineNo = 0;
    try {
      for (const [i, statement] of lines.entries()) {
        lineNo = statement.line;
        const value = await this.#statement(statement.text, scope, lang);
        const isLast = i === lines.length - 1;
        if (isLast && value !== NO_VALUE && value !== null && value !== undefined) {
          result.results.push({ text: show(value as Value, lang, true) });
        }
      }
      // IPython's inline backend renders a figure left open at the end of a cell.
      if (figure) result.results.push({ png: FAKE_PNG, text: show({ figure: true }, lang, true) });
    } catch (e) {
      if (e instanceof Aborted) throw new Error("Context executor has terminated");
      if (!(e instanceof CodeError)) throw e;
      result.error = {
        name: e.errorName,
        message: e.message,
        traceback:
          lang === "python"
            ? [
                `${ESC}[0;31m---------------------------------------------------------------------------${ESC}[0m`,
                `${ESC}[0;31m${e.errorName}${ESC}[0m                                 Traceback (most recent call last)`,
                `Cell ${ESC}[0;32mIn[${result.executionCount}], line ${lineNo}${ESC}[0m`,
                `${ESC}[0;31m${e.errorName}${ESC}[0m: ${e.message}`,
              ]
            : [`${e.errorName}: ${e.message}`, `    at <anonymous>:${lineNo}`],
      };
    }
    return result;
  }

  async #statement(
    text: string,
    scope: Scope,
    lang: "python" | "javascript",
  ): Promise<Value | typeof NO_VALUE> {
    const rules: Array<[RegExp, (m: RegExpExecArray) => Promise<Value | typeof NO_VALUE>]> =
      lang === "python"
        ? [
            [/^(import|from)\s/, async () => NO_VALUE],
            [/^pass$/, async () => NO_VALUE],
            [/^while\s+True\s*:/, () => this.#forever()],
            [
              /^raise\s+(\w+)(?:\((.*)\))?$/,
              async (m) => {
                const message = m[2] ? show(await evaluate(m[2], scope), lang, false) : "";
                throw new CodeError(m[1] as string, message);
              },
            ],
            [
              /^([A-Za-z_]\w*)\s*(\+|-)?=(?!=)\s*(.+)$/,
              (m) => this.#assign(m[1] as string, m[2], m[3] as string, scope),
            ],
          ]
        : [
            [/^while\s*\(\s*true\s*\)/, () => this.#forever()],
            [
              /^await\s+new\s+Promise\(.*setTimeout\(\s*\w+\s*,\s*(\d+)\s*\)\s*\)$/,
              async (m) => {
                await sleep(Number(m[1]), this.#abort.signal);
                return NO_VALUE;
              },
            ],
            [
              /^throw\s+new\s+(\w+)\((.*)\)$/,
              async (m) => {
                throw new CodeError(m[1] as string, show(await evaluate(m[2] || "''", scope), lang, false));
              },
            ],
            [
              /^(?:(?:let|const|var)\s+|globalThis\.)?([A-Za-z_$][\w$]*)(?:\s*:\s*[\w[\]<>|]+)?\s*(\+|-)?=(?!=)\s*(.+)$/,
              (m) => this.#assign(m[1] as string, m[2], m[3] as string, scope),
            ],
          ];
    for (const [pattern, handle] of rules) {
      const m = pattern.exec(text);
      if (m) return handle(m);
    }
    return evaluate(text, scope);
  }

  async #assign(name: string, op: string | undefined, src: string, scope: Scope): Promise<typeof NO_VALUE> {
    const value = await evaluate(src, scope);
    if (op === undefined) this.vars.set(name, value);
    else {
      const before = scope.lookup(name);
      this.vars.set(
        name,
        op === "+"
          ? typeof before === "string"
            ? before + String(value)
            : Number(before) + Number(value)
          : Number(before) - Number(value),
      );
    }
    return NO_VALUE;
  }

  async #forever(): Promise<never> {
    await sleep(24 * 3600 * 1000, this.#abort.signal);
    throw new Aborted();
  }
}

const NO_VALUE: unique symbol = Symbol("no value");

/** Statements: one per line (Python) or per line/semicolon (JS); indented blocks folded in. */
function splitStatements(code: string, lang: "python" | "javascript"): Array<{ text: string; line: number }> {
  const out: Array<{ text: string; line: number }> = [];
  for (const [i, raw] of code.split("\n").entries()) {
    const noComment = lang === "python" ? raw.replace(/(^|\s)#.*$/, "") : raw.replace(/(^|\s)\/\/.*$/, "");
    if (noComment.trim() === "") continue;
    if (/^\s/.test(noComment) && out.length > 0) continue; // body of a block: handled by its header
    const parts = lang === "javascript" ? splitOutsideQuotes(noComment, ";") : [noComment];
    for (const p of parts) if (p.trim() !== "") out.push({ text: p.trim(), line: i + 1 });
  }
  return out;
}

function splitOutsideQuotes(text: string, sep: string): string[] {
  const parts: string[] = [];
  let quote: string | null = null;
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === "'" || c === '"' || c === "`") quote = c;
    else if (c === "(" || c === "{" || c === "[") depth++;
    else if (c === ")" || c === "}" || c === "]") depth--;
    else if (c === sep && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}
