/** Output capping on the host: head and tail kept, the full stream saved to a file. */
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { capFile, type SaveTarget } from "../../../host/src/exec/capture.ts";

describe("output capping", () => {
  let dir = "";
  let outputs = "";
  const target = (runId: string): SaveTarget => ({
    save: async (path, file, size) => {
      const name = path.slice(path.lastIndexOf("/") + 1);
      await writeFile(join(outputs, name), readFileSync(file).subarray(0, size));
    },
    runId,
    stream: "stdout",
  });
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "codemode-capture-"));
    outputs = join(dir, "outputs");
    await import("node:fs/promises").then((fs) => fs.mkdir(outputs));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("returns short output unchanged", async () => {
    const f = join(dir, "short");
    await writeFile(f, "héllo\n");
    expect(await capFile(f, 100, target("r1"))).toEqual({
      text: "héllo\n",
      truncated: false,
    });
  });

  it("keeps head and tail, names the omitted byte count and moves the full stream", async () => {
    const f = join(dir, "long");
    const full = Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join("");
    await writeFile(f, full);
    const r = await capFile(f, 200, target("r2"));
    expect(r.truncated).toBe(true);
    expect(r.fullOutput).toBe("/workspace/.outputs/r2.stdout.log");
    expect(r.text.startsWith("line 0\nline 1\n")).toBe(true);
    expect(r.text.endsWith("line 999\n")).toBe(true);
    expect(r.text).toContain(`${Buffer.byteLength(full) - 200} bytes omitted`);
    expect(await readFile(join(outputs, "r2.stdout.log"), "utf8")).toBe(full);
  });

  it("never splits a multi-byte character at the cuts", async () => {
    const f = join(dir, "utf8");
    await writeFile(f, "€".repeat(1000));
    const r = await capFile(f, 101, target("r3"));
    expect(r.text).not.toContain("\uFFFD");
    const [head, tail] = r.text.split(/\n\[\.\.\. .* \.\.\.\]\n/);
    expect(head).toMatch(/^€+$/);
    expect(tail).toMatch(/^€+$/);
    // the capture file stays for the long-lived writer
    expect((await readFile(f)).length).toBe(3000);
  });
});
