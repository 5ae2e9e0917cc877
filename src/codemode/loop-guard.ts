/**
 * A deadline check woven into code-mode JavaScript, so a program stuck in a loop stops
 * on its own.
 *
 * Why: deployed Workers enforce the Worker Loader's `limits.cpuMs`, but `wrangler dev`
 * (workerd on a developer's machine) does not, and a dynamic isolate shares the thread
 * with the Worker that loaded it — `while (true) {}` froze the whole server, every
 * session, until restart. The host's own timer cannot fire while that thread is busy.
 *
 * How: every loop body and every function body starts with a call to a tick function
 * (defined by the prelude, under a per-run name the program cannot guess). Every 256th
 * tick compares `Date.now()` with the deadline; once past it, this tick and every later
 * one throw. A program cannot swallow the stop: a `catch` inside a loop goes round to the
 * loop's own tick, which throws outside that `try`; recursion meets the entry tick. In a
 * deployed isolate `Date.now()` only advances on I/O, so there the CPU limit stops tight
 * loops and this check stops loops that do I/O past the deadline.
 *
 * Not covered: a single native call that runs long (a pathological regular expression).
 * `eval` and `new Function` are unavailable in Workers, so all code passes through here.
 */
import { type Node, parse } from "acorn";
import { randomHex } from "../shared/encoding.ts";

/** The tick function's name and the prelude that defines it, for one run. */
export interface LoopGuard {
  name: string;
  prelude: string;
}

/** How many ticks pass between two looks at the clock (a power of two). */
const TICKS_PER_CLOCK_READ = 256;

export function loopGuard(deadlineMs: number, timeoutMs: number): LoopGuard {
  const name = `__codemode_tick_${randomHex(8)}`;
  const message = JSON.stringify(`Execution timed out after ${timeoutMs} ms`);
  const prelude = [
    `    const ${name} = (() => {`,
    "      let ticks = 0, over = false;",
    "      return () => {",
    `        if (over || ((++ticks & ${TICKS_PER_CLOCK_READ - 1}) === 0 && Date.now() > ${deadlineMs})) {`,
    "          over = true;",
    `          throw new Error(${message});`,
    "        }",
    "      };",
    "    })();",
  ].join("\n");
  return { name, prelude };
}

interface Insertion {
  at: number;
  text: string;
}

type AnyNode = Node & Record<string, unknown>;

const LOOPS = new Set([
  "ForStatement",
  "ForInStatement",
  "ForOfStatement",
  "WhileStatement",
  "DoWhileStatement",
]);
const FUNCTIONS = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);

/**
 * Returns `code` with `<tick>();` at the start of every loop and function body. Only
 * insertions, so positions and the program's shape are kept. Code that does not parse
 * is returned unchanged: the executor reports the syntax error as it would anyway.
 */
export function guardLoops(code: string, tick: string): string {
  let program: Node;
  try {
    program = parse(code, {
      ecmaVersion: "latest",
      sourceType: "module",
      allowReturnOutsideFunction: true,
      allowAwaitOutsideFunction: true,
    });
  } catch {
    return code;
  }
  const insertions: Insertion[] = [];
  const call = `${tick}();`;
  const guardBody = (body: AnyNode, expressionAllowed: boolean) => {
    if (body.type === "BlockStatement") insertions.push({ at: body.start + 1, text: call });
    else if (expressionAllowed) {
      insertions.push({ at: body.start, text: `(${tick}(), ` }, { at: body.end, text: ")" });
    } else insertions.push({ at: body.start, text: `{${call} ` }, { at: body.end, text: "}" });
  };
  visit(program as AnyNode, (node) => {
    if (LOOPS.has(node.type)) guardBody(node.body as AnyNode, false);
    else if (FUNCTIONS.has(node.type))
      guardBody(node.body as AnyNode, node.type === "ArrowFunctionExpression");
  });
  // Later positions first, so earlier offsets stay valid. Insertions at one position are
  // identical closers or come from nested nodes whose order there does not matter.
  insertions.sort((a, b) => b.at - a.at);
  let out = code;
  for (const { at, text } of insertions) out = out.slice(0, at) + text + out.slice(at);
  return out;
}

function visit(node: AnyNode, onNode: (node: AnyNode) => void): void {
  onNode(node);
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) visit(item, onNode);
    } else if (isNode(value)) visit(value, onNode);
  }
}

function isNode(value: unknown): value is AnyNode {
  return (
    typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string"
  );
}
