/**
 * Code mode end to end: the official MCP client against `wrangler dev` and the local
 * sandbox host (the `npm start` stack), with the real server-everything upstream over
 * Streamable HTTP. Covers the acceptance list: discovery with types, one
 * program calling three tools in JavaScript, TypeScript and Python, upstream errors,
 * denied tools, an unreachable upstream, and no upstream credential reachable by code.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { e2eBackends } from "../helpers/backends.ts";
import { type Stack, startStack } from "../helpers/stack.ts";
import { startUpstreamEverything, type UpstreamEverything } from "../helpers/upstream-everything.ts";

const SECRETS = {
  EVERYTHING_TOKEN: "Bearer e2e-upstream-secret-3c1f9a7d",
  EVERYTHING_API_KEY: "e2e-upstream-key-8b2e44f0",
};

let upstream: UpstreamEverything;
let stack: Stack;
let client: Client;

describe.each(e2eBackends())("on the %s backend", (backend) => {
  beforeAll(async () => {
    upstream = await startUpstreamEverything();
    const servers = [
      {
        name: "everything",
        url: upstream.url,
        headers: {
          Authorization: { secret: "EVERYTHING_TOKEN" },
          "X-Api-Key": { secret: "EVERYTHING_API_KEY" },
        },
        deny: ["get-env", "trigger-*", "toggle-*"],
      },
      { name: "broken", url: "http://127.0.0.1:9/mcp" },
    ];
    stack = await startStack({
      backend,
      vars: { UPSTREAM_MCP_SERVERS: JSON.stringify(servers), ...SECRETS },
    });
    client = await stack.connect(stack.tokens.alice);
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await upstream?.stop();
  });

  interface RunResult {
    success: boolean;
    stdout: string;
    result?: string;
    error?: { message: string };
    diagnostics: { codemode_calls?: { tool: string; ok: boolean; error?: string }[] } | null;
  }

  async function run(language: string, code: string): Promise<RunResult> {
    const res = await client.callTool({
      name: "execute_code",
      arguments: { language, code, timeout_seconds: 30 },
    });
    if (!res.structuredContent) throw new Error(`execute_code failed: ${JSON.stringify(res.content)}`);
    return res.structuredContent as unknown as RunResult;
  }

  const EXPECTED = { echo: "Echo: hi", sum: "The sum of 1 and 2 is 3.", temperature: 36 };
  const CALLS = ["everything.echo", "everything.get_sum", "everything.get_structured_content"];

  const PROGRAMS = {
    javascript: `
const echo = await codemode.everything.echo({ message: "hi" });
const sum = await codemode.everything.get_sum({ a: 1, b: 2 });
const weather = await codemode.everything.get_structured_content({ location: "Chicago" });
return { echo, sum, temperature: weather.temperature };`,
    typescript: `
interface Weather { temperature: number; conditions: string; humidity: number }
const echo: string = await codemode.everything.echo({ message: "hi" });
const sum: string = await codemode.everything.get_sum({ a: 1, b: 2 });
const weather: Weather = await codemode.everything.get_structured_content({ location: "Chicago" });
return { echo, sum, temperature: weather.temperature };`,
    python: `
import json
echo = codemode.everything.echo(message="hi")
total = codemode.everything.get_sum({"a": 1, "b": 2})
weather = codemode.everything.get_structured_content(location="Chicago")
print(json.dumps({"echo": echo, "sum": total, "temperature": weather["temperature"]}))`,
  };

  describe("code mode against wrangler dev", { timeout: 60_000 }, () => {
    it("search_tools finds get-sum with typed parameters; describe_tool types a declared result", async () => {
      const search = await client.callTool({ name: "search_tools", arguments: { query: "sum" } });
      const found = search.structuredContent as { matches: { name: string }[]; declarations: string };
      expect(found.matches[0]?.name).toBe("everything.get_sum");
      expect(found.declarations).toMatch(/a: number;[\s\S]*b: number;/);
      const described = await client.callTool({
        name: "describe_tool",
        arguments: { name: "everything.get_structured_content" },
      });
      const tool = described.structuredContent as { declaration: string };
      expect(tool.declaration).toMatch(
        /type EverythingGetStructuredContentOutput = \{[^}]*temperature: number;/s,
      );
    });

    it.each(Object.keys(PROGRAMS) as (keyof typeof PROGRAMS)[])(
      "one %s program calls three upstream tools and returns a combined object",
      async (language) => {
        const out = await run(language, PROGRAMS[language]);
        expect(out.error).toBeUndefined();
        expect(out.success).toBe(true);
        const value = JSON.parse(language === "python" ? out.stdout : (out.result ?? ""));
        expect(value).toEqual(EXPECTED);
        expect(out.diagnostics?.codemode_calls?.map((c) => c.tool)).toEqual(CALLS);
      },
    );

    it.each(["javascript", "python"] as const)(
      "%s: an upstream error is an exception with its message",
      async (language) => {
        const code =
          language === "javascript"
            ? `try { await codemode.everything.get_sum({ a: "one", b: 2 }); return "no error" } catch (e) { return e.message }`
            : `try:\n    codemode.everything.get_sum(a="one", b=2)\n    msg = "no error"\nexcept codemode.CodemodeError as e:\n    msg = str(e)\nmsg`;
        const out = await run(language, code);
        expect(out.result).toMatch(/everything\.get_sum: .*(Input validation error|expected number)/i);
      },
    );

    it.each(["javascript", "python"] as const)("%s: a denied tool is not callable", async (language) => {
      const code =
        language === "javascript"
          ? `try { await codemode.everything.get_env({}); return "called" } catch (e) { return e.message }`
          : `try:\n    codemode.call("everything.get-env")\n    msg = "called"\nexcept codemode.CodemodeError as e:\n    msg = str(e)\nhasattr(codemode.everything, "get_env"), msg`;
      const out = await run(language, code);
      expect(out.result).toMatch(/not allowed/);
      if (language === "python") expect(out.result).toMatch(/^\(False, /);
    });

    it.each(["javascript", "python"] as const)(
      "%s: an unreachable upstream gives an error naming it",
      async (language) => {
        const code =
          language === "javascript"
            ? `try { await codemode.broken.anything({}); return "ok" } catch (e) { return e.message }`
            : `try:\n    codemode.call("broken.anything")\n    msg = "ok"\nexcept codemode.CodemodeError as e:\n    msg = str(e)\nmsg`;
        const out = await run(language, code);
        expect(out.result).toMatch(/Upstream MCP server \\?"broken\\?" is unreachable/);
      },
    );

    it("javascript: the word codemode in a comment or a string keeps the persistent context", async () => {
      const set = await run("javascript", "globalThis.kept = 41; kept");
      expect(set).toMatchObject({ success: true, result: "41" });
      // Before, any match of /\bcodemode\b/ sent a program to a fresh isolate, where `kept`
      // does not exist; the routing rule now ignores comments and strings.
      const commented = await run(
        "javascript",
        "// later this could use codemode.everything.echo\nconst note = 'no codemode here'; kept + 1",
      );
      expect(commented).toMatchObject({ success: true, result: "42" });
      expect(commented.diagnostics?.codemode_calls).toBeUndefined();
      // A program that does use codemode still goes to the isolate (no `kept` there).
      const used = await run(
        "javascript",
        "await codemode.everything.echo({ message: 'x' }); return typeof kept",
      );
      expect(used).toMatchObject({ success: true, result: JSON.stringify("undefined") });
    });

    it("no upstream header value can be found by JavaScript (globals, environment, network)", async () => {
      const out = await run(
        "javascript",
        `let dump = JSON.stringify(Object.getOwnPropertyNames(codemode)) + String(codemode.everything);
       for (const n of Object.getOwnPropertyNames(globalThis)) { try { dump += n + JSON.stringify(globalThis[n]); } catch {} }
       try { dump += JSON.stringify(process.env); } catch {}
       let net = "blocked"; try { await fetch("${upstream.url}"); net = "open"; } catch {}
       return { leaked: Object.values(${JSON.stringify(SECRETS)}).some((s) => dump.includes(s)), net };`,
      );
      expect(JSON.parse(out.result ?? "")).toEqual({ leaked: false, net: "blocked" });
    });

    it("no upstream header value can be found by Python (environment, module, files, processes)", async () => {
      const needles = Object.values(SECRETS);
      const out = await run(
        "python",
        `import os, subprocess
dump = repr(dict(os.environ)) + repr({k: v for k, v in vars(codemode).items() if isinstance(v, (str, dict))})
dump += subprocess.run(["bash", "-c", "cat /proc/*/environ /proc/*/cmdline 2>/dev/null; grep -rs -l -e e2e-upstream /workspace /tmp /etc 2>/dev/null"], capture_output=True, text=True).stdout
print([s in dump for s in ${JSON.stringify(needles)}])`,
      );
      expect(out.stdout).toBe("[False, False]\n");
      expect(JSON.stringify(out)).not.toContain("e2e-upstream-");
    });
  });
});
