/**
 * The routing rule of execute_code under code mode (src/codemode/routing.ts): only the
 * identifier `codemode` used as code sends a program to code mode; comments, strings and
 * property names never do.
 */
import { describe, expect, it } from "vitest";
import { usesCodemode } from "../../../src/codemode/routing.ts";

describe("usesCodemode", () => {
  it.each([
    ["line comment", "// TODO: switch to codemode.github later\nconst x = 1; x"],
    ["block comment", "/* codemode */ let y = 2"],
    ["JSDoc", "/**\n * Calls codemode.everything.echo\n */\nfunction f() {}"],
    ["single-quoted string", "const s = 'codemode'; s"],
    ["double-quoted string", 'console.log("codemode is off")'],
    ["template text", "const s = `codemode ${1 + 1}`"],
    ["template text after an object in ${}", "const s = `${ { a: 1 }.a } codemode`"],
    ["property name", "settings.codemode = true"],
    ["optional property name", "settings?.codemode"],
    ["regular expression", "const r = /codemode/.test(text)"],
    ["regular expression after return", "function f(t) { return /\\bcodemode\\b/.exec(t) }"],
    ["a longer identifier", "const codemodeEnabled = false"],
  ])("JavaScript: %s does not count", (_label, code) => {
    expect(usesCodemode(code, "javascript")).toBe(false);
  });

  it.each([
    ["a call", "await codemode.everything.echo({ message: 'hi' })"],
    ["a call inside ${}", "const s = `sum: ${await codemode.everything.get_sum({ a: 1, b: 2 })}`"],
    ["after a division", "const r = total / codemode.x.y()"],
    ["after return", "return codemode.everything.echo({})"],
    ["a spread", "const all = [...Object.keys(codemode)]"],
    ["after a comment on the same line", "/* first */ codemode.a.b()"],
  ])("JavaScript: %s counts", (_label, code) => {
    expect(usesCodemode(code, "javascript")).toBe(true);
  });

  it("TypeScript follows the JavaScript rule", () => {
    expect(usesCodemode("// codemode\nconst n: number = 1", "typescript")).toBe(false);
    expect(usesCodemode("const n: string = await codemode.a.b({})", "typescript")).toBe(true);
  });

  it.each([
    ["comment", "# codemode later\nx = 1"],
    ["string", "s = 'codemode'"],
    ["f-string text", "s = f'{n} codemode'"],
    ["triple-quoted string", '"""\nUses codemode.\n"""\nx = 1'],
    ["raw bytes string", "p = rb'codemode'"],
    ["attribute", "config.codemode = True"],
  ])("Python: %s does not count", (_label, code) => {
    expect(usesCodemode(code, "python")).toBe(false);
  });

  it.each([
    ["import", "import codemode"],
    ["a call", "r = codemode.everything.echo(message='x')"],
    ["after a string", "s = 'a'; codemode.call('everything.echo')"],
  ])("Python: %s counts", (_label, code) => {
    expect(usesCodemode(code, "python")).toBe(true);
  });
});
