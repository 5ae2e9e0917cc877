/**
 * The import-rule check of `npm run check` (scripts/check-imports.ts), run as a program
 * on a copy of this repository's src/, host/ and cli/: it passes on the tree as it is and
 * fails, naming the import, once a deliberate violation is written into the copy.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const REPO = join(import.meta.dirname, "../..");
const SCRIPT = join(REPO, "scripts/check-imports.ts");

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "check-imports-"));
  for (const dir of ["src", "host/src", "cli/src", "containers/src"])
    cpSync(join(REPO, dir), join(root, dir), { recursive: true });
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

function check(): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [SCRIPT, root], { encoding: "utf8", stdio: "pipe" });
    return { code: 0, stdout, stderr: "" };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { code: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("scripts/check-imports.ts", () => {
  it("passes on the repository's tree and prints the folder graph", () => {
    const out = check();
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^ {2}worker +-> mcp +\d+$/m);
    expect(out.stdout).toMatch(/^ {2}mcp +-> workspace +\d+$/m);
    expect(out.stdout).not.toMatch(/^ {2}(tasks|codemode|sandbox) +-> (mcp|worker)/m);
    expect(out.stdout).toContain("no cycles");
  });

  it("fails when the sandbox host imports the container runner, naming the file", () => {
    appendFileSync(join(root, "host/src/server.ts"), '\nimport "../../containers/src/config.ts";\n');
    const out = check();
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(
      "host/src/server.ts imports containers/src/config.ts: host/ may import nothing",
    );
  });

  it("fails on domain logic importing MCP, naming the file", () => {
    appendFileSync(join(root, "src/tasks/launch.ts"), '\nimport type { ToolDeps } from "../mcp/deps.ts";\n');
    const out = check();
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("tasks -> mcp is against the rule");
    expect(out.stderr).toContain("tasks/launch.ts -> mcp/deps.ts");
    // mcp already imports tasks, so the new arrow also closes a folder cycle.
    expect(out.stderr).toMatch(/folder cycle: mcp -> tasks -> mcp/);
  });

  it("fails on the sandbox backend reaching up into code mode", () => {
    appendFileSync(
      join(root, "src/sandbox/cloudflare/sandbox-do.ts"),
      '\nexport { codemodeOutboundByHost } from "../../worker/codemode-outbound.ts";\n',
    );
    const out = check();
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("sandbox -> worker is against the rule");
  });

  it("fails on a file cycle inside one folder", () => {
    writeFileSync(
      join(root, "src/shared/ping.ts"),
      'import { pong } from "./pong.ts";\nexport const ping = () => pong;\n',
    );
    writeFileSync(
      join(root, "src/shared/pong.ts"),
      'import { ping } from "./ping.ts";\nexport const pong = () => ping;\n',
    );
    const out = check();
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/file cycle: src\/shared\/ping\.ts, src\/shared\/pong\.ts/);
  });

  it("fails on a new folder that the rule does not place", () => {
    mkdirSync(join(root, "src/metrics"));
    writeFileSync(
      join(root, "src/metrics/count.ts"),
      'import { AppError } from "../errors/app-error.ts";\nexport { AppError };\n',
    );
    const out = check();
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("src/metrics/ has no place in the rule");
  });

  it("fails on the local host importing Worker code", () => {
    appendFileSync(join(root, "host/src/main.ts"), '\nimport "../../src/config/config.ts";\n');
    const out = check();
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/host\/src\/main\.ts imports src\/config\/config\.ts: host\/ may only import/);
  });

  it("ignores imports written in comments", () => {
    appendFileSync(join(root, "src/tasks/launch.ts"), '\n// import { x } from "../mcp/deps.ts";\n');
    expect(check().code).toBe(0);
  });
});
