/**
 * Expression evaluator shared by the fake interpreters: literals, names, arithmetic,
 * comparisons, boolean operators, lists, calls to a few builtins. Enough for the
 * statements contract tests send; anything else is a SyntaxError.
 */
export type Value = number | string | boolean | null | undefined | Value[] | { figure: true };

export class CodeError extends Error {
  readonly errorName: string;
  constructor(errorName: string, message: string) {
    super(message);
    this.errorName = errorName;
  }
}

export interface Scope {
  lookup(name: string): Value;
  call(name: string, args: Value[]): Value | Promise<Value>;
  language: "python" | "javascript";
}

type Tok =
  | { t: "num"; v: number }
  | { t: "str"; v: string }
  | { t: "id"; v: string }
  | { t: "op"; v: string };

const OPS = [
  "**",
  "//",
  "==",
  "!=",
  "<=",
  ">=",
  "===",
  "!==",
  "&&",
  "||",
  "+",
  "-",
  "*",
  "/",
  "%",
  "<",
  ">",
  "(",
  ")",
  "[",
  "]",
  ",",
  "!",
  "=",
];

export function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^\d+(\.\d+)?(e[+-]?\d+)?/i.exec(src.slice(i));
    if (num) {
      out.push({ t: "num", v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    if (c === "'" || c === '"' || c === "`") {
      let j = i + 1;
      let s = "";
      while (j < src.length && src[j] !== c) {
        if (src[j] === "\\") {
          const n = src[j + 1];
          s += n === "n" ? "\n" : n === "t" ? "\t" : (n ?? "");
          j += 2;
        } else s += src[j++];
      }
      if (j >= src.length) throw new CodeError("SyntaxError", "unterminated string literal");
      out.push({ t: "str", v: s });
      i = j + 1;
      continue;
    }
    const id = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*/.exec(src.slice(i));
    if (id) {
      out.push({ t: "id", v: id[0] });
      i += id[0].length;
      continue;
    }
    const op = [...OPS].sort((a, b) => b.length - a.length).find((o) => src.startsWith(o, i));
    if (!op) throw new CodeError("SyntaxError", `invalid syntax near '${src.slice(i, i + 10)}'`);
    out.push({ t: "op", v: op });
    i += op.length;
  }
  return out;
}

const BINARY: Record<string, number> = {
  "||": 1,
  or: 1,
  "&&": 2,
  and: 2,
  in: 3,
  "==": 3,
  "!=": 3,
  "===": 3,
  "!==": 3,
  "<": 3,
  ">": 3,
  "<=": 3,
  ">=": 3,
  "+": 4,
  "-": 4,
  "*": 5,
  "/": 5,
  "//": 5,
  "%": 5,
  "**": 6,
};

export async function evaluate(src: string, scope: Scope): Promise<Value> {
  const toks = lex(src);
  let pos = 0;
  const peek = () => toks[pos];
  const take = () => toks[pos++];
  const expectOp = (v: string) => {
    const t = take();
    if (t?.t !== "op" || t.v !== v) throw new CodeError("SyntaxError", `expected '${v}'`);
  };

  const primary = async (): Promise<Value> => {
    const t = take();
    if (!t) throw new CodeError("SyntaxError", "unexpected end of expression");
    if (t.t === "num" || t.t === "str") return t.v;
    if (t.t === "op" && t.v === "(") {
      const v = await expr(0);
      expectOp(")");
      return v;
    }
    if (t.t === "op" && t.v === "[") {
      const items: Value[] = [];
      while (!(peek()?.t === "op" && peek()?.v === "]")) {
        items.push(await expr(0));
        if (peek()?.t === "op" && peek()?.v === ",") take();
      }
      expectOp("]");
      return items;
    }
    if (t.t === "op" && (t.v === "-" || t.v === "!")) {
      const v = await unary();
      return t.v === "-" ? -Number(v) : !v;
    }
    if (t.t === "id") {
      if (t.v === "not") return !(await unary());
      if (t.v === "new" || t.v === "await") return primary();
      if (t.v === "typeof") {
        try {
          const v = await unary();
          return v === null ? "object" : Array.isArray(v) ? "object" : typeof v;
        } catch (e) {
          if (e instanceof CodeError && e.errorName === "ReferenceError") return "undefined";
          throw e;
        }
      }
      const literal = LITERALS[scope.language][t.v];
      if (literal !== undefined || t.v in LITERALS[scope.language]) return literal;
      if (peek()?.t === "op" && peek()?.v === "(") {
        take();
        const args: Value[] = [];
        while (!(peek()?.t === "op" && peek()?.v === ")")) {
          // Keyword arguments (figsize=(4, 3), flush=True) are evaluated and dropped.
          const after = toks[pos + 1];
          const keyword = peek()?.t === "id" && after?.t === "op" && after.v === "=";
          if (keyword) pos += 2;
          const value = await expr(0);
          if (!keyword) args.push(value);
          if (peek()?.t === "op" && peek()?.v === ",") take();
        }
        expectOp(")");
        return scope.call(t.v, args);
      }
      return scope.lookup(t.v);
    }
    throw new CodeError("SyntaxError", "invalid syntax");
  };
  const unary = primary;

  const expr = async (minPrec: number): Promise<Value> => {
    let left = await primary();
    for (;;) {
      const t = peek();
      const op = t && (t.t === "op" || (t.t === "id" && ["and", "or", "in"].includes(t.v))) ? t.v : undefined;
      const prec = op !== undefined ? BINARY[op] : undefined;
      if (op === undefined || prec === undefined || prec < minPrec) return left;
      take();
      const right = await expr(op === "**" ? prec : prec + 1);
      left = binary(op, left, right, scope.language);
    }
  };

  const v = await expr(0);
  if (pos < toks.length) throw new CodeError("SyntaxError", "invalid syntax");
  return v;
}

const LITERALS: Record<Scope["language"], Record<string, Value>> = {
  python: { True: true, False: false, None: null },
  javascript: { true: true, false: false, null: null, undefined: undefined },
};

function binary(op: string, a: Value, b: Value, language: Scope["language"]): Value {
  const n = (v: Value) => Number(v);
  switch (op) {
    case "+":
      if (typeof a === "string" || typeof b === "string") {
        if (language === "python" && typeof a !== typeof b) {
          throw new CodeError(
            "TypeError",
            `can only concatenate str (not "${typeof b === "string" ? "int" : "str"}") to str`,
          );
        }
        return String(a) + String(b);
      }
      if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
      return n(a) + n(b);
    case "-":
      return n(a) - n(b);
    case "*":
      return typeof a === "string" ? a.repeat(n(b)) : n(a) * n(b);
    case "/":
    case "//":
    case "%": {
      if (n(b) === 0 && language === "python") {
        throw new CodeError("ZeroDivisionError", op === "%" ? "integer modulo by zero" : "division by zero");
      }
      if (op === "%") return n(a) % n(b);
      return op === "//" ? Math.floor(n(a) / n(b)) : n(a) / n(b);
    }
    case "**":
      return n(a) ** n(b);
    case "==":
    case "===":
      return a === b;
    case "!=":
    case "!==":
      return a !== b;
    case "<":
      return n(a) < n(b);
    case ">":
      return n(a) > n(b);
    case "<=":
      return n(a) <= n(b);
    case ">=":
      return n(a) >= n(b);
    case "in":
      return Array.isArray(b) ? b.includes(a) : String(b).includes(String(a));
    case "and":
    case "&&":
      return a ? b : a;
    default:
      return a ? a : b;
  }
}

/** How a value prints: `print()`/`console.log()` (display) or as a result (repr). */
export function show(v: Value, language: Scope["language"], repr: boolean): string {
  if (Array.isArray(v)) return `[${v.map((x) => show(x, language, true)).join(", ")}]`;
  if (typeof v === "string") return repr ? `'${v}'` : v;
  if (typeof v === "boolean") return language === "python" ? (v ? "True" : "False") : String(v);
  if (v === null) return language === "python" ? "None" : "null";
  if (v === undefined) return "undefined";
  if (typeof v === "number") return language === "python" && Number.isInteger(v) ? String(v) : String(v);
  return "<Figure size 640x480 with 1 Axes>";
}
