/**
 * `npm start` as a user runs it (`node scripts/start.ts`): it refuses to announce a
 * server when the sandbox's prerequisites are missing and cannot be installed, fills in
 * development defaults for a `.dev.vars` holding only API_TOKENS, and two stacks on two
 * PORTs run side by side, each running code.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, describe, expect, it } from "vitest";
import { randomToken } from "../../scripts/lib/dev-vars.ts";
import { freePort } from "../../scripts/lib/processes.ts";
import { nodeBinary, ROOT } from "../../scripts/lib/stack.ts";

const dir = mkdtempSync(join(tmpdir(), "codemode-start-"));
const started: { proc: ChildProcess; port: number }[] = [];

afterAll(async () => {
  await Promise.all(started.map(({ proc }) => stop(proc)));
  for (const { port } of started) {
    rmSync(join(ROOT, ".wrangler", `state-${port}`), { recursive: true, force: true });
    rmSync(join(ROOT, ".wrangler", `npm-start-${port}.vars`), { force: true });
    rmSync(join(ROOT, `.sandbox-data-${port}`), { recursive: true, force: true });
  }
  rmSync(dir, { recursive: true, force: true });
});

function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  proc.kill("SIGTERM");
  return exited;
}

interface Run {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function npmStart(env: Record<string, string>): Run {
  const proc = spawn(nodeBinary(), [join(ROOT, "scripts", "start.ts")], {
    cwd: ROOT,
    env: { HOME: process.env.HOME ?? "/root", LANG: "C.UTF-8", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  proc.stdout?.on("data", (c: Buffer) => (output += c.toString()));
  proc.stderr?.on("data", (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  return { proc, output: () => output, exited };
}

function devVars(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("refusal when the sandbox cannot be set up", () => {
  it("stops with the install command and a non-zero exit when bubblewrap is missing and apt-get is not there", async () => {
    const empty = mkdtempSync(join(dir, "bin-"));
    const run = npmStart({
      PATH: empty,
      PORT: String(await freePort()),
      CODEMODE_DEV_VARS: devVars("refuse.vars", `API_TOKENS=dev:${randomToken()}\n`),
    });
    expect(await run.exited).toBe(1);
    const out = run.output();
    expect(out).toContain("bubblewrap");
    expect(out).toContain("sudo apt-get install -y bubblewrap");
    expect(out).not.toContain("is running");
  });

  it("stops when apt-get fails to install bubblewrap, and never announces a server", async () => {
    const bin = mkdtempSync(join(dir, "bin-"));
    // apt-get that fails like one without package lists or network (a failure on demand).
    const aptGet = join(bin, "apt-get");
    writeFileSync(aptGet, "#!/bin/sh\necho 'E: Unable to locate package bubblewrap' >&2\nexit 100\n");
    chmodSync(aptGet, 0o755);
    writeFileSync(join(bin, "sudo"), '#!/bin/sh\nexec "$@"\n');
    chmodSync(join(bin, "sudo"), 0o755);
    const run = npmStart({
      PATH: bin,
      PORT: String(await freePort()),
      CODEMODE_DEV_VARS: devVars("fail.vars", `API_TOKENS=dev:${randomToken()}\n`),
    });
    expect(await run.exited).toBe(1);
    const out = run.output();
    expect(out).toMatch(/Installing: .*apt-get install -y --no-install-recommends bubblewrap/);
    expect(out).toContain("Unable to locate package");
    expect(out).toMatch(/Installing bubblewrap \(bwrap\) failed/);
    expect(out).not.toContain("is running");
  });
});

describe("two stacks side by side from a .dev.vars with only API_TOKENS", () => {
  it("each PORT gets its own Worker and sandbox host, and both run code", async () => {
    const token = randomToken();
    const vars = devVars("shared.vars", `API_TOKENS=dev:${token}\n`);
    const ports = [await freePort(), await freePort()];
    const runs = ports.map((port) => {
      const run = npmStart({ PATH: process.env.PATH ?? "", PORT: String(port), CODEMODE_DEV_VARS: vars });
      started.push({ proc: run.proc, port });
      return run;
    });
    await Promise.all(runs.map((run) => waitFor(run, /is running/, 150_000)));
    const hosts = runs.map((run) => /\[sandbox-host\] listening on (\S+)/.exec(run.output())?.[1]);
    expect(new Set(hosts).size).toBe(2);

    for (const [i, port] of ports.entries()) {
      const out = runs[i]?.output() ?? "";
      expect(out).toContain("(local sandbox, development)");
      expect(out).toContain(`export CODEMODE_URL=http://localhost:${port}/mcp CODEMODE_TOKEN=${token}`);
      const client = new Client({ name: "start-test", version: "1.0.0" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`http://localhost:${port}/mcp`), {
          requestInit: { headers: { Authorization: `Bearer ${token}` } },
        }),
      );
      const result = await client.callTool({
        name: "execute_code",
        arguments: { language: "python", code: `print(${port} + 1)` },
      });
      expect(result.structuredContent).toMatchObject({ success: true, stdout: `${port + 1}\n` });
      // development mode: a localhost browser origin is welcome.
      const res = await fetch(`http://localhost:${port}/mcp`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${token}`,
          Origin: "http://localhost:6274",
          "Content-Type": "application/json",
        },
        body: "{}",
      });
      expect(res.status).not.toBe(403);
      await client.close();
    }
    expect(existsSync(join(ROOT, `.sandbox-data-${ports[0]}`))).toBe(true);
  }, 240_000);
});

async function waitFor(run: Run, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(run.output())) {
    if (run.proc.exitCode !== null)
      throw new Error(`npm start exited (${run.proc.exitCode}):\n${run.output()}`);
    if (Date.now() > deadline) throw new Error(`npm start not ready in ${timeoutMs} ms:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
