/**
 * Which runner an execute_code program goes to when code mode is configured.
 *
 * The rule: a JavaScript, TypeScript or Python program runs through code mode (JS/TS in
 * a fresh Worker Loader isolate, Python with the `codemode` module installed) exactly
 * when the identifier `codemode` appears in its code. Occurrences that are not code do
 * not count:
 * - comments (`// …`, `/* … *\/` in JS/TS; `# …` in Python);
 * - string literals, including template text and Python f-string text (the
 *   `${…}` parts of a JS template literal are code and do count);
 * - a property name after `.` or `?.` (`obj.codemode` is not the global).
 * Every other program keeps its persistent context (variables survive between calls).
 *
 * The scanner is lexical, not a parser: a `/` starts a regular expression where an
 * operand is expected (after an operator, `(`, `,`, a keyword like `return`, or at the
 * start), which is how JavaScript itself decides.
 */

/** True when `code` refers to the `codemode` global (see the rule above). */
export function usesCodemode(code: string, language: "javascript" | "typescript" | "python"): boolean {
  const words = language === "python" ? pythonCodeWords(code) : jsCodeWords(code);
  return words.some((w) => w.word === "codemode" && !w.afterDot);
}

interface Word {
  word: string;
  /** The word follows `.` or `?.` (a property name). */
  afterDot: boolean;
}

const IDENT_START = /[A-Za-z_$\u0080-\uffff]/;
const IDENT_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
/** After these words an operand is expected, so `/` starts a regular expression. */
const OPERAND_KEYWORDS = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

/** The identifiers of a JavaScript/TypeScript program outside comments and strings. */
function jsCodeWords(code: string): Word[] {
  const words: Word[] = [];
  // Open template literals: for each, the brace depth at which its `${` started.
  const templates: number[] = [];
  let depth = 0;
  let i = 0;
  let lastSignificant = ""; // last token kind: "word:<w>", "value", or the punctuator
  let dotBefore = false;
  const n = code.length;

  const readTemplateText = (): void => {
    // From inside a template literal up to its end or the next `${`.
    while (i < n) {
      const c = code[i];
      if (c === "\\") {
        i += 2;
      } else if (c === "`") {
        i++;
        lastSignificant = "value";
        return;
      } else if (c === "$" && code[i + 1] === "{") {
        i += 2;
        templates.push(depth);
        depth++;
        lastSignificant = "(";
        return;
      } else i++;
    }
  };

  while (i < n) {
    const c = code[i] as string;
    const next = code[i + 1];
    if (c === "/" && next === "/") {
      while (i < n && code[i] !== "\n") i++;
    } else if (c === "/" && next === "*") {
      const end = code.indexOf("*/", i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '"' || c === "'") {
      i++;
      while (i < n && code[i] !== c && code[i] !== "\n") i += code[i] === "\\" ? 2 : 1;
      i++;
      lastSignificant = "value";
      dotBefore = false;
    } else if (c === "`") {
      i++;
      readTemplateText();
      dotBefore = false;
    } else if (c === "/" && expectsOperand(lastSignificant)) {
      // A regular expression literal: skip it, classes included.
      i++;
      let inClass = false;
      while (i < n && code[i] !== "\n") {
        const r = code[i];
        if (r === "\\") i++;
        else if (r === "[") inClass = true;
        else if (r === "]") inClass = false;
        else if (r === "/" && !inClass) break;
        i++;
      }
      i++;
      while (i < n && IDENT_PART.test(code[i] as string)) i++;
      lastSignificant = "value";
      dotBefore = false;
    } else if (IDENT_START.test(c)) {
      const start = i;
      while (i < n && IDENT_PART.test(code[i] as string)) i++;
      const word = code.slice(start, i);
      words.push({ word, afterDot: dotBefore });
      lastSignificant = dotBefore ? "value" : `word:${word}`;
      dotBefore = false;
    } else if (/[0-9]/.test(c)) {
      while (i < n && /[0-9A-Za-z_.]/.test(code[i] as string)) i++;
      lastSignificant = "value";
      dotBefore = false;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      i++;
      if (c === "{") depth++;
      else if (c === "}") {
        depth--;
        if (templates.length > 0 && templates[templates.length - 1] === depth) {
          // The `}` closing a template's `${`: back to template text.
          templates.pop();
          readTemplateText();
          dotBefore = false;
          continue;
        }
      }
      if (c === "?" && code[i] === ".") {
        i++;
        dotBefore = true;
        lastSignificant = ".";
        continue;
      }
      dotBefore = c === "." && code[i] !== "." && code[i - 2] !== ".";
      lastSignificant = c === ")" || c === "]" || c === "}" ? "value" : c;
    }
  }
  return words;
}

function expectsOperand(last: string): boolean {
  if (last === "") return true;
  if (last === "value") return false;
  if (last.startsWith("word:")) return OPERAND_KEYWORDS.has(last.slice(5));
  return true; // after any punctuator other than ) ] }
}

/** The names of a Python program outside comments and string literals. */
function pythonCodeWords(code: string): Word[] {
  const words: Word[] = [];
  let i = 0;
  let dotBefore = false;
  const n = code.length;
  while (i < n) {
    const c = code[i] as string;
    if (c === "#") {
      while (i < n && code[i] !== "\n") i++;
    } else if (c === '"' || c === "'") {
      i = skipPythonString(code, i);
      dotBefore = false;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      const start = i;
      while (i < n && /[A-Za-z0-9_\u0080-\uffff]/.test(code[i] as string)) i++;
      const word = code.slice(start, i);
      // A string prefix (r, b, f, u and their combinations) directly before a quote.
      if (/^[rbfuRBFU]{1,2}$/.test(word) && (code[i] === '"' || code[i] === "'")) {
        i = skipPythonString(code, i);
        dotBefore = false;
        continue;
      }
      words.push({ word, afterDot: dotBefore });
      dotBefore = false;
    } else {
      if (!/\s/.test(c)) dotBefore = c === ".";
      i++;
    }
  }
  return words;
}

/** Index just past the string literal whose opening quote is at `start`. */
function skipPythonString(code: string, start: number): number {
  const quote = code[start] as string;
  const triple = code.startsWith(quote.repeat(3), start);
  const close = triple ? quote.repeat(3) : quote;
  let i = start + close.length;
  while (i < code.length) {
    if (code[i] === "\\") i += 2;
    else if (code.startsWith(close, i)) return i + close.length;
    else if (!triple && code[i] === "\n") return i;
    else i++;
  }
  return code.length;
}
