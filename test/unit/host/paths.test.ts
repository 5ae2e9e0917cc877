/** Workspace path confinement on the host: NUL bytes, symlinks that leave, paths that do not exist yet. */
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lexicalResolve, resolveConfined } from "../../../host/src/workspace/paths.ts";

describe("workspace path confinement", () => {
  let ws = "";
  beforeAll(async () => {
    const base = await mkdtemp(join(tmpdir(), "codemode-paths-"));
    ws = join(base, "ws");
    await mkdir(join(ws, "sub"), { recursive: true });
    await writeFile(join(ws, "sub", "f.txt"), "x");
    await symlink("/", join(ws, "root"));
    await symlink("sub/f.txt", join(ws, "inner"));
    await symlink(join(base, "elsewhere"), join(ws, "dangling-out"));
  });
  afterAll(async () => {
    await rm(join(ws, ".."), { recursive: true, force: true });
  });

  it.each([
    ["/workspace", ""],
    ["/workspace/", ""],
    ["", ""],
    [".", ""],
    ["a/b.txt", "a/b.txt"],
    ["/workspace/a//b/./c", "a/b/c"],
    ["a/../b", "b"],
  ])("normalises %j", (input, relative) => {
    const r = lexicalResolve(ws, input);
    expect(r.relative).toBe(relative);
    expect(r.workspace).toBe(relative === "" ? "/workspace" : `/workspace/${relative}`);
  });

  it.each(["/etc/passwd", "/", "/workspaces/x", "..", "../x", "a/../../x", "/workspace/../etc"])(
    "rejects %j",
    (input) => {
      expect(() => lexicalResolve(ws, input)).toThrow(
        expect.objectContaining({ code: "PATH_OUTSIDE_WORKSPACE" }),
      );
    },
  );

  it("rejects NUL bytes", () => {
    expect(() => lexicalResolve(ws, "a\0b")).toThrow(expect.objectContaining({ code: "INVALID_PATH" }));
  });

  it("follows symlinks that stay inside", async () => {
    const r = await resolveConfined(ws, "inner");
    expect(r.real.endsWith(join("sub", "f.txt"))).toBe(true);
    expect(r.exists).toBe(true);
  });

  it("rejects symlinks that leave, also for paths that do not exist yet", async () => {
    await expect(resolveConfined(ws, "root/etc/passwd")).rejects.toMatchObject({
      code: "PATH_OUTSIDE_WORKSPACE",
    });
    await expect(resolveConfined(ws, "root/new/file")).rejects.toMatchObject({
      code: "PATH_OUTSIDE_WORKSPACE",
    });
  });

  it("does not follow the last component when asked (deleting a link)", async () => {
    const r = await resolveConfined(ws, "root", { followFinal: false });
    expect(r.real).toBe(join(ws, "root"));
  });

  it("accepts new paths under existing directories", async () => {
    const r = await resolveConfined(ws, "sub/new/deeper.txt");
    expect(r.exists).toBe(false);
    expect(r.real).toBe(join(ws, "sub", "new", "deeper.txt"));
  });
});
