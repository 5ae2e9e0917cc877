/** exec and run: what is sent, what is printed where, and the exit status. */
import { describe, expect, it } from "vitest";
import { runCli } from "../../../cli/src/cli.ts";
import { context, type FakeIo, fakeIo, fakeServer, runResult } from "./fakes.ts";

async function exec(argv: string[], answer: Record<string, unknown>, io: FakeIo = fakeIo()) {
  const server = fakeServer({
    execute_code: () => answer,
    run_file: () => ({ ...answer, path: "/workspace/a.py" }),
  });
  const code = await runCli(argv, context(io, server));
  return { code, out: io.out(), err: io.err(), call: server.calls[0] };
}

describe("exec", () => {
  it("sends the code, prints stdout, then a trailing expression's value", async () => {
    const r = await exec(["exec", "python", "print(2)\n1+1"], runResult({ stdout: "2\n", result: "2" }));
    expect(r.call?.name).toBe("execute_code");
    expect(r.call?.args).toEqual({ code: "print(2)\n1+1", language: "python" });
    expect(r.out).toBe("2\n2\n");
    expect(r.code).toBe(0);
  });

  it("reads the code from -f and from piped stdin", async () => {
    const file = await exec(
      ["exec", "bash", "-f", "job.sh"],
      runResult({ exit_code: 0 }),
      fakeIo({ files: { "job.sh": "ls" } }),
    );
    expect(file.call?.args).toMatchObject({ code: "ls", language: "bash" });
    const piped = await exec(["exec", "javascript"], runResult(), fakeIo({ stdin: "1 + 1" }));
    expect(piped.call?.args).toMatchObject({ code: "1 + 1", language: "javascript" });
  });

  it("without code on a terminal, or with an unreadable file, is a usage error", async () => {
    expect((await exec(["exec", "python"], runResult())).code).toBe(2);
    const missing = await exec(["exec", "python", "-f", "nope.py"], runResult());
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/Cannot read nope.py/);
  });

  it("passes --timeout and waits that long plus a margin for the answer", async () => {
    const r = await exec(["exec", "python", "--timeout", "90", "x"], runResult());
    expect(r.call?.args).toMatchObject({ timeout_seconds: 90 });
    expect(r.call?.options?.timeoutMs).toBe(120_000);
  });

  it("an exception prints its traceback on stderr and exits 1", async () => {
    const r = await exec(
      ["exec", "python", "raise ValueError('boom')"],
      runResult({
        success: false,
        error: {
          name: "ValueError",
          message: "boom",
          traceback: ["Traceback (most recent call last):", "ValueError: boom"],
        },
        diagnostics: { error_type: "EXCEPTION", message: "ValueError: boom" },
      }),
    );
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toBe("Traceback (most recent call last):\nValueError: boom\n");
  });

  it("a timeout exits 124 with the server's note", async () => {
    const r = await exec(
      ["exec", "python", "while True: pass"],
      runResult({
        success: false,
        stdout: "partial",
        diagnostics: { error_type: "TIMEOUT", timeout_seconds: 1, message: "Execution timed out after 1 s." },
      }),
    );
    expect(r.code).toBe(124);
    expect(r.out).toBe("partial");
    expect(r.err).toContain("[Execution timed out after 1 s.]");
  });

  it("a bash exit code passes through; stderr goes to stderr; truncation is noted", async () => {
    const r = await exec(
      ["exec", "bash", "exit 3"],
      runResult({
        success: false,
        exit_code: 3,
        stderr: "oops",
        truncated: { stdout: true, stderr: false },
        full_output: { stdout: "/workspace/.output/x.stdout" },
        diagnostics: { error_type: "NONZERO_EXIT", message: "Exit code 3" },
      }),
    );
    expect(r.code).toBe(3);
    expect(r.err).toBe("oops\n[stdout was truncated; the full output is in /workspace/.output/x.stdout]\n");
  });

  it("--json prints structuredContent as sent and keeps the exit status", async () => {
    const answer = runResult({ success: false, exit_code: 2, extra_field: "kept" });
    const r = await exec(["exec", "bash", "exit 2", "--json"], answer);
    expect(JSON.parse(r.out)).toEqual(answer);
    expect(r.code).toBe(2);
  });
});

describe("run", () => {
  it("sends the path and the arguments, -- ones included", async () => {
    const r = await exec(
      ["run", "a.py", "x", "--", "--verbose"],
      runResult({ exit_code: 0, stdout: "ok\n" }),
    );
    expect(r.call).toMatchObject({ name: "run_file", args: { path: "a.py", args: ["x", "--verbose"] } });
    expect(r.out).toBe("ok\n");
    expect(r.code).toBe(0);
  });

  it("a killed run (memory limit) exits 137", async () => {
    const r = await exec(
      ["run", "big.py"],
      runResult({ success: false, diagnostics: { error_type: "MEMORY_LIMIT", message: "out of memory" } }),
    );
    expect(r.code).toBe(137);
  });
});
