/** Lexical workspace path confinement on the host: normalisation, escapes, NUL bytes. */
import { describe, expect, it } from "vitest";
import { lexicalResolve } from "../../../host/src/workspace/paths.ts";

describe("workspace path confinement", () => {
  const ws = "/srv/ws";

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
});
