/**
 * The codemode-mcp CLI as a user runs it: a child process (`node cli/src/main.ts`)
 * against `wrangler dev` and the real sandbox host, configured through CODEMODE_*
 * environment variables. Checks output, bytes and exit statuses end to end.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../helpers/stack.ts";

const NODE = "node_modules/.bin/node";
const MAIN = "cli/src/main.ts";
const WORKSPACE = "cli-e2e";

let stack: Stack;
let dir: string;
beforeAll(async () => {
  stack = await startStack();
  dir = mkdtempSync(join(tmpdir(), "codemode-cli-e2e-"));
});
afterAll(async () => {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: Buffer;
  out: string;
  err: string;
}

/** Runs the CLI with the stack's URL, alice's token and the test workspace unless overridden. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [MAIN, ...args], {
      env: {
        PATH: process.env.PATH,
        CODEMODE_URL: `${stack.url}/mcp`,
        CODEMODE_TOKEN: stack.tokens.alice,
        CODEMODE_WORKSPACE: WORKSPACE,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const stdout = Buffer.concat(out);
      resolve({ code, stdout, out: stdout.toString("utf8"), err: Buffer.concat(err).toString("utf8") });
    });
  });
}

describe("codemode-mcp CLI", () => {
  it("info shows the named workspace and the local backend", async () => {
    const r = await cli(["info"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^workspace +cli-e2e$/m);
    expect(r.out).toMatch(/^backend +local$/m);
    const json = await cli(["info", "--json"]);
    expect(JSON.parse(json.out)).toMatchObject({ name: WORKSPACE, named: true, principal: "alice" });
  });

  it("exec python prints the program's output; an exception exits 1 with its traceback", async () => {
    const ok = await cli(["exec", "python", "print(1+1)"]);
    expect(ok).toMatchObject({ code: 0, out: "2\n", err: "" });
    const failed = await cli(["exec", "python", "raise ValueError('boom')"]);
    expect(failed.code).toBe(1);
    expect(failed.err).toContain("ValueError: boom");
  });

  it("put then cat returns the same bytes, binary included", async () => {
    const bytes = randomBytes(4096);
    const local = join(dir, "blob.bin");
    writeFileSync(local, bytes);
    const put = await cli(["put", local, "data/blob.bin"]);
    expect(put).toMatchObject({ code: 0, out: "/workspace/data/blob.bin (4096 bytes)\n" });
    const cat = await cli(["cat", "data/blob.bin"]);
    expect(cat.code).toBe(0);
    expect(cat.stdout.equals(bytes)).toBe(true);
  });

  it("`npm run cli -- put analysis.py` takes the path from where the user is, not the repository", async () => {
    writeFileSync(join(dir, "analysis.py"), "print('from the user dir')\n");
    // What npm passes to a script run from `dir`: the package root as cwd, INIT_CWD = dir.
    const put = await cli(["put", "analysis.py"], { npm_lifecycle_event: "cli", INIT_CWD: dir });
    expect(put).toMatchObject({ code: 0, out: "/workspace/analysis.py (27 bytes)\n" });
    const run = await cli(["run", "analysis.py"]);
    expect(run).toMatchObject({ code: 0, out: "from the user dir\n" });
  });

  it("exit_code means the same for every language: 0 on success, 1 for a failure", async () => {
    for (const [language, ok, bad] of [
      ["python", "x = 1", "raise ValueError('no')"],
      ["javascript", "1 + 1", "throw new Error('no')"],
      ["bash", "true", "exit 1"],
    ] as const) {
      const good = JSON.parse((await cli(["exec", language, ok, "--json"])).out);
      expect([language, good.exit_code]).toEqual([language, 0]);
      const failed = await cli(["exec", language, bad, "--json"]);
      expect([language, JSON.parse(failed.out).exit_code, failed.code]).toEqual([language, 1, 1]);
    }
  });

  it("task start, then task logs --follow prints the output until the task completes", async () => {
    const start = await cli([
      "task",
      "start",
      "--language",
      "python",
      "--code",
      "import time\nfor i in range(3):\n    print(f'tick {i}', flush=True)\n    time.sleep(0.4)\n",
      "--json",
    ]);
    expect(start.code).toBe(0);
    const { task_id: id, workspace } = JSON.parse(start.out) as { task_id: string; workspace: string };
    expect(workspace).toBe(WORKSPACE);
    const follow = await cli(["task", "logs", id, "--follow"]);
    expect(follow.out).toBe("tick 0\ntick 1\ntick 2\n");
    expect(follow.err).toMatch(new RegExp(`\\[task ${id} completed \\(exit code 0\\)`));
    expect(follow.code).toBe(0);
  });

  it("a usage error exits 2 without contacting the server", async () => {
    const r = await cli(["exec", "cobol", "DISPLAY 'HI'"], { CODEMODE_URL: "http://127.0.0.1:9/mcp" });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Unknown language "cobol"/);
  });

  it("a wrong token gets a clear 401 message, without the token in it", async () => {
    const wrong = "wrong-token-0123456789abcdef";
    const r = await cli(["info"], { CODEMODE_TOKEN: wrong });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/rejected the token \(401 Unauthorized/);
    expect(r.err).toContain("CODEMODE_TOKEN");
    expect(r.err).not.toContain(wrong);
  });
});
