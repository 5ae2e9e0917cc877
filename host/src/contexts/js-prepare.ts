/**
 * Turns a JavaScript/TypeScript cell into something a persistent global scope can run
 * repeatedly, like a notebook:
 * - TypeScript is stripped with Node's `stripTypeScriptTypes`.
 * - Top-level `let`/`const`/`class` become `var`-hoisted assignments, so re-running a
 *   cell never fails with "Identifier has already been declared".
 * - Top-level `await` and static `import` wrap the cell in an async function (functions
 *   stay outside it, so they remain globals), and the trailing expression is returned.
 * Cells without any of those keywords skip the parser entirely.
 */
import { stripTypeScriptTypes } from "node:module";
import type * as TS from "typescript";
import type { CodeError } from "../../../src/shared/sandbox-schema.ts";

export interface PreparedJs {
  code: string;
  mode: "script" | "async";
  /** async mode: the wrapper returns the trailing expression's value. */
  hasValue: boolean;
}

let tsModule: Promise<typeof TS> | null = null;
function loadTs(): Promise<typeof TS> {
  tsModule ??= import("typescript").then((m) => (m as { default?: typeof TS }).default ?? (m as typeof TS));
  return tsModule;
}

/** Node's experimental warning for stripTypeScriptTypes would land in the host's log. */
function withoutStripWarning<T>(fn: () => T): T {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (!text.includes("stripTypeScriptTypes")) Reflect.apply(emit, process, [warning, ...rest]);
  }) as typeof process.emitWarning;
  try {
    return fn();
  } finally {
    process.emitWarning = emit;
  }
}

export function stripTypes(source: string): string | CodeError {
  try {
    return withoutStripWarning(() => stripTypeScriptTypes(source, { mode: "transform" }));
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return { name: "SyntaxError", message, traceback: [] };
  }
}

function isFunctionLike(ts: typeof TS, node: TS.Node): boolean {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessor(node) ||
    ts.isSetAccessor(node) ||
    ts.isClassStaticBlockDeclaration(node)
  );
}

function hasTopLevelAwait(ts: typeof TS, root: TS.Node): boolean {
  let found = false;
  const visit = (node: TS.Node): void => {
    if (found || isFunctionLike(ts, node)) return;
    if (ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && node.awaitModifier !== undefined)) {
      found = true;
      return;
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(root, visit);
  return found;
}

function boundNames(ts: typeof TS, name: TS.BindingName, out: string[]): void {
  if (ts.isIdentifier(name)) {
    out.push(name.text);
    return;
  }
  for (const el of name.elements) {
    if (ts.isBindingElement(el)) boundNames(ts, el.name, out);
  }
}

export async function prepareJs(js: string): Promise<PreparedJs> {
  if (!/\b(let|const|class|await|import)\b/.test(js)) return { code: js, mode: "script", hasValue: true };
  const ts = await loadTs();
  const sf = ts.createSourceFile("cell.js", js, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const text = (n: TS.Node) => js.slice(n.getStart(sf), n.end);
  const statements = sf.statements;
  const isAsync = hasTopLevelAwait(ts, sf) || statements.some((s) => ts.isImportDeclaration(s));
  const hoisted: string[] = [];
  const outside: string[] = [];
  const body: string[] = [];
  let hasValue = false;
  let endsWithDeclaration = false;

  statements.forEach((s, i) => {
    const last = i === statements.length - 1;
    endsWithDeclaration = false;
    if (ts.isVariableStatement(s)) {
      const isVar = (s.declarationList.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0;
      const parts: string[] = [];
      for (const d of s.declarationList.declarations) {
        const names: string[] = [];
        boundNames(ts, d.name, names);
        hoisted.push(...names);
        if (d.initializer) {
          const target = ts.isIdentifier(d.name) ? d.name.text : `(${text(d.name)}`;
          parts.push(
            ts.isIdentifier(d.name)
              ? `${target} = ${text(d.initializer)}`
              : `${target} = ${text(d.initializer)})`,
          );
        } else if (!isVar) {
          for (const n of names) parts.push(`${n} = undefined`);
        }
      }
      if (parts.length > 0) body.push(`${parts.join(", ")};`);
      endsWithDeclaration = true;
    } else if (ts.isFunctionDeclaration(s) && s.name) {
      (isAsync ? outside : body).push(text(s));
      endsWithDeclaration = true;
    } else if (ts.isClassDeclaration(s) && s.name) {
      hoisted.push(s.name.text);
      body.push(`${s.name.text} = ${text(s)};`);
      endsWithDeclaration = true;
    } else if (ts.isImportDeclaration(s)) {
      body.push(importToDynamic(ts, s, text, hoisted));
      endsWithDeclaration = true;
    } else if (last && isAsync && ts.isExpressionStatement(s)) {
      body.push(`return (${text(s.expression)});`);
      hasValue = true;
    } else {
      body.push(text(s));
    }
  });

  const head = hoisted.length > 0 ? `var ${[...new Set(hoisted)].join(", ")};\n` : "";
  if (!isAsync) {
    const tail = endsWithDeclaration ? "\nvoid 0;" : "";
    return { code: `${head}${body.join("\n")}${tail}`, mode: "script", hasValue: true };
  }
  const fns = outside.length > 0 ? `${outside.join("\n")}\n` : "";
  return { code: `${head}${fns}(async () => {\n${body.join("\n")}\n})()`, mode: "async", hasValue };
}

function importToDynamic(
  ts: typeof TS,
  s: TS.ImportDeclaration,
  text: (n: TS.Node) => string,
  hoisted: string[],
): string {
  const spec = text(s.moduleSpecifier);
  const clause = s.importClause;
  if (!clause) return `await import(${spec});`;
  const assigns: string[] = [];
  if (clause.name) {
    hoisted.push(clause.name.text);
    assigns.push(`${clause.name.text} = __m.default ?? __m;`);
  }
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings)) {
    hoisted.push(bindings.name.text);
    assigns.push(`${bindings.name.text} = __m;`);
  } else if (bindings) {
    for (const el of bindings.elements) {
      hoisted.push(el.name.text);
      const imported = el.propertyName ? el.propertyName.getText() : el.name.text;
      assigns.push(`${el.name.text} = __m[${JSON.stringify(imported)}];`);
    }
  }
  return `{ const __m = await import(${spec}); ${assigns.join(" ")} }`;
}
