/**
 * Code contexts for the fake Sandbox: Python and JavaScript/TypeScript "interpreters"
 * that understand a handful of statement forms, keep variables between runs, and
 * produce what the real executors produce (sandbox-container 0.12.x):
 * - Python (IPython): an exception sets `error` with `format_tb` frames only, and the
 *   shell also prints its traceback to stdout; a syntax error sets no `error` at all,
 *   the message is only printed.
 * - JavaScript (node vm): no `error` from the executor; the stack goes to stderr and
 *   the service reports `{ name: "ExecutionError", message: <stderr> }`.
 * - Output arrives only when a run completes. The adapter's live-output setup cell
 *   (marked `# codemode:live-output <path>`) makes later runs also write stdout to that
 *   file as they go, like the IPython pre_run_cell hook it installs.
 * Loops that never end and sleeps really wait, until the context is deleted.
 */
import { CodeError, evaluate, lex, type Scope, show, type Value } from "./fake-expr.ts";
import { Aborted, sleep } from "./fake-shell.ts";

export interface FakeExecutionResult {
  code: string;
  logs: { stdout: string[]; stderr: string[] };
  error?: { name: string; message: string; traceback: string[] };
  executionCount?: number;
  results: Array<{ text?: string; png?: string }>;
}

/** Writes into the container filesystem (for the live-output file). */
export type FileWriter = (path: string, text: string, append: boolean) => void;

/** A 1x1 transparent PNG, standing in for a rendered figure. */
export const FAKE_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

const DASHES = "-".repeat(75);
const LIVE_MARKER = /^# codemode:live-output (\S+)/;

interface Statement {
  text: string;
  line: number;
  body: string[];
}

type Rule = [RegExp, (m: RegExpExecArray, st: Statement) => Promise<Value | typeof NO_VALUE>];

const NO_VALUE: unique symbol = Symbol("no value");

export class FakeCodeContext {
  readonly id = crypto.randomUUID();
  readonly language: "python" | "javascript" | "typescript";
  readonly createdAt = new Date();
  readonly vars = new Map<string, Value>();
  readonly #abort = new AbortController();
  readonly #write: FileWriter;
  #livePath: string | undefined;
  #count = 0;

  constructor(language: FakeCodeContext["language"], write: FileWriter) {
    this.language = language;
    this.#write = write;
  }

  dispose(): void {
    this.#abort.abort();
  }

  async run(code: string, envVars: Record<string, string | undefined> = {}): Promise<FakeExecutionResult> {
    const result: FakeExecutionResult = { code, logs: { stdout: [], stderr: [] }, results: [] };
    result.executionCount = ++this.#count;
    const lang = this.language === "python" ? "python" : "javascript";
    const live = LIVE_MARKER.exec(code);
    if (live && lang === "python") {
      this.#livePath = live[1];
      return result;
    }
    const livePath = this.#livePath;
    if (livePath) this.#write(livePath, "", false);
    const stdout = (text: string) => {
      result.logs.stdout.push(text);
      if (livePath) this.#write(livePath, text, true);
    };

    let figure = false;
    const scope = this.#scope(lang, envVars, stdout, (t) => result.logs.stderr.push(t), {
      open: () => {
        figure = true;
      },
      show: () => {
        if (figure) result.results.push({ png: FAKE_PNG, text: show({ figure: true }, lang, true) });
        figure = false;
      },
    });

    const statements = splitStatements(code, lang);
    const rules = this.#rules(lang, scope);
    if (lang === "python") {
      // Python compiles the whole cell first: a syntax error runs nothing.
      for (const st of statements) {
        if (rules.some(([re]) => re.test(st.text))) continue;
        try {
          lex(st.text);
        } catch {
          stdout(
            `  Cell In[${result.executionCount}], line ${st.line}\n    ${st.text}\n    ^\nSyntaxError: invalid syntax\n`,
          );
          return result;
        }
      }
    }

    let lineNo = 0;
    try {
      for (const [i, st] of statements.entries()) {
        lineNo = st.line;
        const value = await this.#exec(st, rules, scope);
        if (i === statements.length - 1 && value !== NO_VALUE && value !== null && value !== undefined) {
          result.results.push({ text: show(value as Value, lang, true) });
        }
      }
      // IPython's inline backend renders a figure left open at the end of a cell.
      if (figure) result.results.push({ png: FAKE_PNG, text: show({ figure: true }, lang, true) });
    } catch (e) {
      if (e instanceof Aborted) throw new Error("Context executor has terminated");
      if (!(e instanceof CodeError)) throw e;
      if (lang === "python") {
        stdout(
          `${DASHES}\n${e.errorName.padEnd(42)}Traceback (most recent call last)\nCell In[${result.executionCount}], line ${lineNo}\n\n${e.errorName}: ${e.message}\n`,
        );
        result.error = {
          name: e.errorName,
          message: e.message,
          traceback: [`  File "<ipython-input-${result.executionCount}>", line ${lineNo}, in <module>`],
        };
      } else {
        const stack = `${e.errorName}: ${e.message}\n    at <execution-${this.#count}>:${lineNo}:1\n`;
        result.logs.stderr.push(stack);
        result.error = { name: "ExecutionError", message: stack, traceback: [] };
      }
    }
    return result;
  }

  #scope(
    lang: "python" | "javascript",
    envVars: Record<string, string | undefined>,
    out: (t: string) => void,
    err: (t: string) => void,
    plots: { open: () => void; show: () => void },
  ): Scope {
    const notDefined = (name: string) =>
      lang === "python"
        ? new CodeError("NameError", `name '${name}' is not defined`)
        : new CodeError("ReferenceError", `${name} is not defined`);
    return {
      language: lang,
      lookup: (name) => {
        if (this.vars.has(name)) return this.vars.get(name);
        if (name.startsWith("os.environ.") || name.startsWith("process.env.")) {
          return envVars[name.slice(name.lastIndexOf(".") + 1)] ?? (lang === "python" ? null : undefined);
        }
        throw notDefined(name.split(".")[0] ?? name);
      },
      call: async (name, args) => {
        const text = () => args.map((a) => show(a, lang, false)).join(" ");
        switch (name) {
          case "print":
          case "console.log":
            out(`${text()}\n`);
            return lang === "python" ? null : undefined;
          case "console.error":
            err(`${text()}\n`);
            return undefined;
          case "sys.stderr.write":
            err(text());
            return null;
          case "time.sleep":
            await sleep(Number(args[0]) * 1000, this.#abort.signal);
            return null;
          case "len":
            return Array.isArray(args[0]) || typeof args[0] === "string" ? args[0].length : 0;
          case "range":
            return Array.from({ length: Number(args[0]) }, (_, i) => i);
          case "globals":
            return [...this.vars.keys()];
          case "str":
          case "String":
            return show(args[0], lang, false);
          case "int":
          case "Number":
            return Math.trunc(Number(args[0]));
          case "Promise.resolve":
            return args[0];
          case "os.environ.get":
            return envVars[String(args[0])] ?? args[1] ?? null;
          case "plt.show":
            plots.show();
            return null;
          default:
            if (name.startsWith("plt.")) {
              plots.open();
              return null;
            }
            throw notDefined(name.split(".")[0] ?? name);
        }
      },
    };
  }

  #rules(lang: "python" | "javascript", scope: Scope): Rule[] {
    const assign: Rule[1] = (m) => this.#assign(m[1] as string, m[2], m[3] as string, scope);
    if (lang === "python") {
      return [
        [/^(import|from)\s/, async () => NO_VALUE],
        [/^pass$/, async () => NO_VALUE],
        [/^while\s+True\s*:/, () => this.#forever()],
        [
          /^for\s+([A-Za-z_]\w*)\s+in\s+(.+):$/,
          async (m, st) => {
            const items = await evaluate(m[2] as string, scope);
            for (const item of Array.isArray(items) ? items : []) {
              this.vars.set(m[1] as string, item);
              for (const line of st.body)
                await this.#exec({ text: line, line: st.line, body: [] }, this.#rules(lang, scope), scope);
            }
            return NO_VALUE;
          },
        ],
        [
          /^raise\s+(\w+)(?:\((.*)\))?$/,
          async (m) => {
            const message = m[2] ? show(await evaluate(m[2], scope), lang, false) : "";
            throw new CodeError(m[1] as string, message);
          },
        ],
        [/^([A-Za-z_]\w*)\s*(\+|-)?=(?!=)\s*(.+)$/, assign],
      ];
    }
    return [
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
        assign,
      ],
    ];
  }

  async #exec(st: Statement, rules: Rule[], scope: Scope): Promise<Value | typeof NO_VALUE> {
    for (const [pattern, handle] of rules) {
      const m = pattern.exec(st.text);
      if (m) return handle(m, st);
    }
    return evaluate(st.text, scope);
  }

  async #assign(name: string, op: string | undefined, src: string, scope: Scope): Promise<typeof NO_VALUE> {
    const value = await evaluate(src, scope);
    if (op === undefined) this.vars.set(name, value);
    else {
      const before = scope.lookup(name);
      const next =
        op === "+"
          ? typeof before === "string"
            ? before + String(value)
            : Number(before) + Number(value)
          : Number(before) - Number(value);
      this.vars.set(name, next);
    }
    return NO_VALUE;
  }

  async #forever(): Promise<never> {
    await sleep(24 * 3600 * 1000, this.#abort.signal);
    throw new Aborted();
  }
}

/** Statements: one per line (Python) or per line/semicolon (JS); indented lines form a block body. */
function splitStatements(code: string, lang: "python" | "javascript"): Statement[] {
  const out: Statement[] = [];
  for (const [i, raw] of code.split("\n").entries()) {
    const noComment = lang === "python" ? raw.replace(/(^|\s)#.*$/, "") : raw.replace(/(^|\s)\/\/.*$/, "");
    if (noComment.trim() === "") continue;
    const last = out.at(-1);
    if (/^\s/.test(noComment) && last) {
      last.body.push(noComment.trim());
      continue;
    }
    const parts = lang === "javascript" ? splitOutsideQuotes(noComment, ";") : [noComment];
    for (const p of parts) if (p.trim() !== "") out.push({ text: p.trim(), line: i + 1, body: [] });
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
