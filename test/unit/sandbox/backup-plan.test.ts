/**
 * What a workspace save holds (src/sandbox/cloudflare/backup-plan.ts): exclude patterns
 * from .workspaceignore, and the measuring command run by real bash/find on a real
 * directory, as the container runs it.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  backupMaxBytes,
  DEFAULT_BACKUP_MAX_BYTES,
  measureCommand,
  parseIgnoreFile,
  settingExcludes,
} from "../../../src/sandbox/cloudflare/backup-plan.ts";

describe("exclude patterns", () => {
  it("reads .workspaceignore: comments and blank lines skipped, slashes trimmed", () => {
    expect(parseIgnoreFile("# build output\nbuild/\n\n  /data/raw  \n*.tmp\n")).toEqual([
      "build",
      "data/raw",
      "*.tmp",
    ]);
  });

  it("caps the number and length of patterns", () => {
    expect(parseIgnoreFile(Array.from({ length: 500 }, (_, i) => `p${i}`).join("\n"))).toHaveLength(200);
    expect(parseIgnoreFile(`${"x".repeat(300)}\nok`)).toEqual(["ok"]);
  });

  it("reads the settings, falling back to defaults", () => {
    expect(settingExcludes({ WORKSPACE_BACKUP_EXCLUDES: "node_modules, .venv ,," })).toEqual([
      "node_modules",
      ".venv",
    ]);
    expect(backupMaxBytes({})).toBe(DEFAULT_BACKUP_MAX_BYTES);
    expect(backupMaxBytes({ WORKSPACE_BACKUP_MAX_BYTES: "1000" })).toBe(1000);
  });
});

describe("measuring a workspace", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "backup-plan-"));
    mkdirSync(join(root, "src/deep"), { recursive: true });
    mkdirSync(join(root, ".outputs"));
    mkdirSync(join(root, "data/raw"), { recursive: true });
    writeFileSync(join(root, "a.txt"), "12345");
    writeFileSync(join(root, "src/deep/b.py"), "1234567890");
    writeFileSync(join(root, "src/deep/c.tmp"), "x".repeat(100));
    writeFileSync(join(root, ".outputs/spill.txt"), "x".repeat(1000));
    writeFileSync(join(root, "data/raw/big"), "x".repeat(10_000));
    symlinkSync("a.txt", join(root, "link"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const measure = (excludes: string[]) => {
    const [files, bytes, fingerprint] = execFileSync("bash", ["-c", measureCommand(excludes, root)], {
      encoding: "utf8",
    })
      .trim()
      .split(" ");
    return { files: Number(files), bytes: Number(bytes), fingerprint };
  };

  it("counts regular files and their bytes, without excluded names (anywhere) and paths", () => {
    expect(measure([])).toMatchObject({ files: 5, bytes: 5 + 10 + 100 + 1000 + 10_000 });
    expect(measure([".outputs", "*.tmp", "data/raw"])).toMatchObject({ files: 2, bytes: 15 });
  });

  it("has a fingerprint that changes with any path, size or mtime, and only then", () => {
    const first = measure([".outputs"]).fingerprint;
    expect(measure([".outputs"]).fingerprint).toBe(first);
    writeFileSync(join(root, ".outputs/another"), "not saved");
    expect(measure([".outputs"]).fingerprint).toBe(first);
    utimesSync(join(root, "a.txt"), new Date(2020, 1, 1), new Date(2020, 1, 1));
    const touched = measure([".outputs"]).fingerprint;
    expect(touched).not.toBe(first);
    execFileSync("mv", [join(root, "src/deep/b.py"), join(root, "src/deep/b2.py")]);
    expect(measure([".outputs"]).fingerprint).not.toBe(touched);
  });

  it("passes hostile patterns to find as data, never as shell", () => {
    const canary = join(root, "canary");
    const result = measure([`'; touch ${canary}; echo '`, "$(touch canary2)", "`touch canary3`"]);
    expect(result.files).toBe(5);
    expect(execFileSync("ls", ["-A", root], { encoding: "utf8" })).not.toMatch(/canary/);
  });

  it("an empty workspace measures zero", () => {
    const empty = mkdtempSync(join(tmpdir(), "backup-plan-empty-"));
    try {
      const [files, bytes] = execFileSync("bash", ["-c", measureCommand([], empty)], { encoding: "utf8" })
        .trim()
        .split(" ");
      expect([files, bytes]).toEqual(["0", "0"]);
    } finally {
      rmSync(empty, { recursive: true });
    }
  });
});
