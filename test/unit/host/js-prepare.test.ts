/** How a JavaScript cell is prepared for the persistent context: redeclarable bindings, top-level await, the trailing value. */
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { prepareJs, stripTypes } from "../../../host/src/contexts/js-prepare.ts";

/** Runs prepared cells one after another in one context, like the driver does. */
async function session(cells: string[]): Promise<unknown[]> {
  const ctx: Record<string, unknown> = { Promise };
  const values: unknown[] = [];
  for (const cell of cells) {
    const p = await prepareJs(cell);
    let v = runInNewContext(p.code, ctx);
    if (p.mode === "async") v = await v;
    values.push(v);
  }
  return values;
}

describe("JavaScript cell preparation", () => {
  it("leaves simple code alone", async () => {
    expect(await prepareJs("1 + 1")).toEqual({ code: "1 + 1", mode: "script", hasValue: true });
  });

  it("makes let/const/class redeclarable and persistent", async () => {
    const values = await session([
      "let x = 41",
      "const x = 1; x + 1",
      "class A { v() { return 3 } }",
      "class A { v() { return 4 } }; new A().v()",
    ]);
    expect(values).toEqual([undefined, 2, undefined, 4]);
  });

  it("supports destructuring", async () => {
    expect(await session(["const { a, b: [c] } = { a: 1, b: [2] }", "a + c"])).toEqual([undefined, 3]);
  });

  it("wraps top-level await and returns the trailing expression", async () => {
    const p = await prepareJs("const v = await Promise.resolve(20); v + 1");
    expect(p.mode).toBe("async");
    expect(p.hasValue).toBe(true);
    expect(await session(["const v = await Promise.resolve(20); v + 1", "v"])).toEqual([21, 20]);
  });

  it("keeps functions global in async cells", async () => {
    expect(await session(["await null; function twice(n) { return 2 * n }", "twice(21)"])).toEqual([
      undefined,
      42,
    ]);
  });

  it("ignores await inside functions", async () => {
    const p = await prepareJs("async function f() { await 1 }");
    expect(p.mode).toBe("script");
  });

  it("turns static imports into dynamic ones", async () => {
    const p = await prepareJs('import { join as j } from "node:path"; j("a", "b")');
    expect(p.mode).toBe("async");
    expect(p.code).toContain('await import("node:path")');
    expect(p.code).toContain('j = __m["join"]');
  });

  it("strips TypeScript and reports TypeScript syntax errors", () => {
    expect(stripTypes("const n: number = 1; enum E { A }")).toContain("const n = 1");
    expect(stripTypes("const = ;")).toMatchObject({ name: "SyntaxError" });
  });
});
