/** CLI argument parsing: words, --help, flags and their values, durations. */
import { describe, expect, it } from "vitest";
import { parseCommandArgs, parseSeconds, takeWords, wantsHelp } from "../../../cli/src/args.ts";
import { UsageError } from "../../../cli/src/errors.ts";

describe("takeWords", () => {
  it("takes leading words and keeps global options and their values in place", () => {
    expect(takeWords(["--workspace", "demo", "task", "logs", "t1", "--follow"], 1)).toEqual({
      words: ["task"],
      rest: ["--workspace", "demo", "logs", "t1", "--follow"],
    });
    expect(takeWords(["-w", "demo", "--json", "exec", "python"], 1)).toEqual({
      words: ["exec"],
      rest: ["-w", "demo", "--json", "python"],
    });
    expect(takeWords(["--url=http://x/mcp", "info"], 1).words).toEqual(["info"]);
  });

  it("stops looking for words after --", () => {
    expect(takeWords(["--", "exec"], 1)).toEqual({ words: [], rest: ["--", "exec"] });
  });
});

describe("wantsHelp", () => {
  it("sees --help and -h before --, not after", () => {
    expect(wantsHelp(["python", "--help"])).toBe(true);
    expect(wantsHelp(["-h"])).toBe(true);
    expect(wantsHelp(["script.py", "--", "--help"])).toBe(false);
    expect(wantsHelp(["bash", "ls -h"])).toBe(false);
  });
});

describe("parseCommandArgs", () => {
  it("accepts global options anywhere with the command's own", () => {
    const { values, positionals } = parseCommandArgs("ls", ["data", "-r", "--json", "-w", "demo"], {
      recursive: { type: "boolean", short: "r" },
    });
    expect(values).toMatchObject({ recursive: true, json: true, workspace: "demo" });
    expect(positionals).toEqual(["data"]);
  });

  it("turns unknown options and missing values into usage errors naming the command", () => {
    const unknown = () => parseCommandArgs("ls", ["--frobnicate"], {});
    expect(unknown).toThrow(UsageError);
    expect(unknown).toThrow(/--frobnicate/);
    try {
      parseCommandArgs("exec", ["--timeout"], { timeout: { type: "string" } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).command).toBe("exec");
      expect((error as UsageError).exitCode).toBe(2);
    }
  });

  it("passes arguments after -- as positionals", () => {
    expect(parseCommandArgs("run", ["a.sh", "--", "--verbose"], {}).positionals).toEqual([
      "a.sh",
      "--verbose",
    ]);
  });
});

describe("parseSeconds", () => {
  it("accepts positive numbers and rejects the rest", () => {
    expect(parseSeconds("exec", "timeout", "2.5")).toBe(2.5);
    expect(parseSeconds("exec", "timeout", undefined)).toBeUndefined();
    expect(() => parseSeconds("exec", "timeout", "0")).toThrow(UsageError);
    expect(() => parseSeconds("exec", "timeout", "soon")).toThrow(/--timeout must be a positive number/);
  });
});
