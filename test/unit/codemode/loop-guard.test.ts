import { describe, expect, it } from "vitest";
import { guardLoops, loopGuard } from "../../../src/codemode/loop-guard.ts";

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
  ...args: string[]
) => () => Promise<unknown>;

/** Runs a program the way the isolate does: the guard's prelude, then the program as an async body. */
function run(code: string, timeoutMs: number): Promise<unknown> {
  const guard = loopGuard(Date.now() + timeoutMs, timeoutMs);
  return new AsyncFunction(`${guard.prelude}\n${guardLoops(code, guard.name)}`)();
}

describe("guardLoops", () => {
  const programs: Record<string, string> = {
    "loops of every kind, labels and unbraced bodies": `
      let n = 0;
      outer: for (let i = 0; i < 5; i++) for (const j of [1, 2, 3]) { if (j === 3) continue outer; n += j; }
      for (const k in { a: 1, b: 2 }) n += k.length;
      let w = 0; while (w < 3) w++;
      do n++; while (n < 20);
      return [n, w];`,
    "arrow bodies, including an object literal and a sequence": `
      const obj = () => ({ a: 1 });
      const seq = (x) => (x, x + 1);
      const curried = (a) => (b) => a + b;
      return [obj(), seq(1), curried(2)(3)];`,
    "methods, getters, generators and async functions": `
      class C { #v = 2; get v() { return this.#v; } static make() { return new C(); } *gen() { yield 1; yield 2; } }
      async function later(x) { await null; return x * 2; }
      const c = C.make();
      return [c.v, [...c.gen()], await later(4), [3, 1, 2].sort((a, b) => a - b)];`,
    "top-level await and return, with a comment at the end": `
      const v = await Promise.resolve(7);
      return v; // done`,
  };
  for (const [what, code] of Object.entries(programs)) {
    it(`keeps the meaning of ${what}`, async () => {
      const plain = await new AsyncFunction(code)();
      expect(await run(code, 10_000)).toEqual(plain);
    });
  }

  it("stops an endless loop after the deadline, even when the program catches the stop", async () => {
    for (const code of [
      "while (true) {}",
      "for (;;) { try { for (;;); } catch {} }",
      "const f = () => { try { f(); } catch { f(); } }; f();",
    ]) {
      await expect(run(code, 200), code).rejects.toThrow("Execution timed out after 200 ms");
    }
  });

  it("leaves code that does not parse unchanged, for the executor to report", () => {
    expect(guardLoops("for (;;) {", "tick")).toBe("for (;;) {");
  });
});
