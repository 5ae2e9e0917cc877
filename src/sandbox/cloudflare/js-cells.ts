/**
 * Makes a JavaScript/TypeScript cell safe to run again in the container's persistent
 * context, as in a notebook.
 *
 * Upstream workaround (sandbox-container 0.12.7 node executor): every top-level
 * `let`/`const`/`var`/`class` becomes a `let` in the context's global lexical scope, so
 * running `let x = 41` a second time fails with "Identifier 'x' has already been
 * declared". Here those declarations become plain assignments (`x = 41`), which the
 * executor keeps as globals, so re-running a cell works and later cells see the values.
 * TypeScript is stripped first (sucrase keeps line numbers); code that does not parse
 * is sent unchanged, so the executor reports the syntax error itself.
 */
import { type Node, parse } from "acorn";
import { transform } from "sucrase";

interface Ranged {
  start: number;
  end: number;
}
interface Declarator extends Ranged {
  id: Ranged & { type: string };
  init: Ranged | null;
}
interface Statement extends Node {
  declarations?: Declarator[];
  id?: (Ranged & { name: string }) | null;
}

export function prepareJsCell(code: string, language: "javascript" | "typescript"): string {
  let source = code;
  if (language === "typescript") {
    try {
      source = transform(code, { transforms: ["typescript"], disableESTransforms: true }).code;
    } catch {
      return code;
    }
  }
  let body: Statement[];
  try {
    const program = parse(source, {
      ecmaVersion: "latest",
      sourceType: "script",
      allowAwaitOutsideFunction: true,
    }) as unknown as { body: Statement[] };
    body = program.body;
  } catch {
    return code;
  }
  let out = source;
  // Right to left, so earlier offsets stay valid.
  for (const statement of [...body].reverse()) {
    const replacement = rewrite(statement, source);
    if (replacement !== null) out = out.slice(0, statement.start) + replacement + out.slice(statement.end);
  }
  return out;
}

function rewrite(statement: Statement, source: string): string | null {
  if (statement.type === "VariableDeclaration" && statement.declarations) {
    const parts = statement.declarations.map((d) => {
      const target = source.slice(d.id.start, d.id.end);
      const value = d.init ? source.slice(d.init.start, d.init.end) : "undefined";
      return d.id.type === "Identifier" ? `${target} = ${value}` : `(${target} = ${value})`;
    });
    // A leading `;` keeps a preceding line without semicolon from swallowing `(`.
    return `;${parts.join(", ")};`;
  }
  if (statement.type === "ClassDeclaration" && statement.id) {
    return `;${statement.id.name} = ${source.slice(statement.start, statement.end)};`;
  }
  return null;
}
