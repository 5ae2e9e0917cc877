/**
 * JavaScript/TypeScript programs in a Worker Loader isolate calling the real
 * server-everything upstream through `codemode.<server>.<tool>`.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { CallLogEntry } from "../../src/codemode/call-log.ts";
import { createCodemodeService } from "../../src/codemode/create.ts";
import type { CodemodeService } from "../../src/codemode/service.ts";
import { configFrom } from "../../src/config/config.ts";
import { workspaceClient } from "../../src/workspace/rpc.ts";
import { UPSTREAM_SECRET_VALUES } from "./codemode-bindings.ts";

function service(): { codemode: CodemodeService; logged: CallLogEntry[] } {
  const logged: CallLogEntry[] = [];
  const codemode = createCodemodeService(env, configFrom(env), {
    logCalls: async (entry) => {
      logged.push(entry);
    },
  });
  if (!codemode) throw new Error("UPSTREAM_MCP_SERVERS is not configured for the workers tests");
  return { codemode, logged };
}

const THREE_CALLS_JS = `
const echo = await codemode.everything.echo({ message: "hi" });
const sum = await codemode.everything.get_sum({ a: 1, b: 2 });
const weather = await codemode.everything.get_structured_content({ location: "Chicago" });
console.log("calls done");
return { echo, sum, temperature: weather.temperature };
`;

const THREE_CALLS_TS = `
interface Weather { temperature: number; conditions: string; humidity: number }
const echo: string = await codemode.everything.echo({ message: "hi" });
const sum = (await codemode.everything.get_sum({ a: 1, b: 2 })) as string;
const weather: Weather = await codemode.everything.get_structured_content({ location: "Chicago" });
console.log("calls done");
return { echo, sum, temperature: weather.temperature } satisfies Record<string, unknown>;
`;

const EXPECTED = { echo: "Echo: hi", sum: "The sum of 1 and 2 is 3.", temperature: 36 };

describe("runJavaScript", { timeout: 30_000 }, () => {
  it("runs one program calling three upstream tools and returns a combined object", async () => {
    const { codemode, logged } = service();
    const out = await codemode.runJavaScript(THREE_CALLS_JS, { language: "javascript", timeoutMs: 10_000 });
    expect(out.error).toBeUndefined();
    expect(out).toMatchObject({ success: true, result: EXPECTED, logs: ["calls done"] });
    expect(out.calls.map((c) => [c.tool, c.ok])).toEqual([
      ["everything.echo", true],
      ["everything.get_sum", true],
      ["everything.get_structured_content", true],
    ]);
    expect(out.calls[1]?.args_bytes).toBe(JSON.stringify({ a: 1, b: 2 }).length);
    expect(logged).toHaveLength(1);
    expect(logged[0]?.calls).toEqual(out.calls);
  });

  it("runs the same program written in TypeScript", async () => {
    const { codemode } = service();
    const out = await codemode.runJavaScript(THREE_CALLS_TS, { language: "typescript", timeoutMs: 10_000 });
    expect(out.error).toBeUndefined();
    expect(out).toMatchObject({ success: true, result: EXPECTED });
  });

  it("reports TypeScript syntax errors as a failed run", async () => {
    const { codemode } = service();
    const out = await codemode.runJavaScript("const x: = 1;", { language: "typescript", timeoutMs: 5_000 });
    expect(out.success).toBe(false);
    expect(out.error).toMatch(/TypeScript could not be parsed/);
  });

  it("turns an upstream error into an exception carrying the upstream message", async () => {
    const { codemode } = service();
    const out = await codemode.runJavaScript(
      `try { await codemode.everything.get_sum({ a: "one", b: 2 }); return "no error"; }
       catch (e) { return { caught: e.message }; }`,
      { language: "javascript", timeoutMs: 10_000 },
    );
    const caught = (out.result as { caught: string }).caught;
    expect(caught).toMatch(/^everything\.get_sum: /);
    expect(caught).toMatch(/Input validation error|expected number/i);
    expect(out.calls[0]).toMatchObject({ tool: "everything.get_sum", ok: false });
    expect(out.calls[0]?.error).toMatch(/^UPSTREAM_TOOL_ERROR/);
  });

  it("does not let a program call a denied tool", async () => {
    const { codemode } = service();
    const out = await codemode.runJavaScript("return await codemode.everything.get_env({})", {
      language: "javascript",
      timeoutMs: 10_000,
    });
    expect(out.success).toBe(false);
    expect(out.error).toMatch(/everything\.get_env is not allowed/);
    const viaUpstreamName = await codemode.runJavaScript(`return await codemode.everything["get-env"]({})`, {
      language: "javascript",
      timeoutMs: 10_000,
    });
    expect(viaUpstreamName.error).toMatch(/not allowed/);
  });

  it("names an unreachable upstream in the error, and the others keep working", async () => {
    const { codemode } = service();
    const out = await codemode.runJavaScript(
      `let err;
       try { await codemode.broken.anything({}); } catch (e) { err = e.message; }
       const sum = await codemode.everything.get_sum({ a: 2, b: 3 });
       return { err, sum };`,
      { language: "javascript", timeoutMs: 10_000 },
    );
    expect(out.success).toBe(true);
    const result = out.result as { err: string; sum: string };
    expect(result.err).toMatch(/Upstream MCP server "broken" is unreachable/);
    expect(result.sum).toBe("The sum of 2 and 3 is 5.");
  });

  it("gives the program no network and no upstream credentials", async () => {
    const { codemode } = service();
    const out = await codemode.runJavaScript(
      `const seen = [];
       try { await fetch("http://127.0.0.1:9/"); seen.push("fetch allowed"); } catch (e) { seen.push("fetch blocked"); }
       const names = Object.getOwnPropertyNames(globalThis);
       let dump = "";
       for (const n of names) { try { dump += n + "=" + JSON.stringify(globalThis[n]) + "\\n"; } catch {} }
       try { dump += JSON.stringify(process.env); } catch {}
       try { const fs = await import("node:fs"); dump += fs.readdirSync("/").join(","); } catch {}
       return { seen, dump };`,
      { language: "javascript", timeoutMs: 10_000 },
    );
    expect(out.error).toBeUndefined();
    const result = out.result as { seen: string[]; dump: string };
    expect(result.seen).toEqual(["fetch blocked"]);
    for (const secret of Object.values(UPSTREAM_SECRET_VALUES)) {
      expect(result.dump).not.toContain(secret);
      expect(JSON.stringify(out)).not.toContain(secret);
    }
  });

  it("times out a program that never finishes, and the next run works", async () => {
    const { codemode } = service();
    const started = Date.now();
    const out = await codemode.runJavaScript("await new Promise(() => {});", {
      language: "javascript",
      timeoutMs: 500,
    });
    expect(out.success).toBe(false);
    expect(out.error).toMatch(/timed out/i);
    expect(Date.now() - started).toBeLessThan(5_000);
    const next = await codemode.runJavaScript("return 1 + 1", { language: "javascript", timeoutMs: 5_000 });
    expect(next).toMatchObject({ success: true, result: 2 });
  });

  it("stops a program stuck in a CPU loop at its timeout, even one that catches the stop", async () => {
    const { codemode } = service();
    const stuck = [
      "while (true) {}",
      "for (;;) { try { while (true) {} } catch {} }",
      "const f = () => { try { f(); } catch { f(); } }; f();",
      "label: for (;;) do { try { continue label; } finally { continue label; } } while (true)",
    ];
    for (const code of stuck) {
      const started = Date.now();
      const out = await codemode.runJavaScript(code, { language: "javascript", timeoutMs: 700 });
      expect(out, code).toMatchObject({ success: false, errorCode: "TIMED_OUT" });
      expect(Date.now() - started, code).toBeLessThan(5_000);
    }
    const next = await codemode.runJavaScript("let n = 0; for (let i = 0; i < 1e6; i++) n += i; return n", {
      language: "javascript",
      timeoutMs: 5_000,
    });
    expect(next).toMatchObject({ success: true, result: 499999500000 });
  });

  it("keeps the calls in the workspace Durable Object's call log", async () => {
    const ws = workspaceClient(env.WORKSPACE.getByName("codemode-call-log-test"));
    const codemode = createCodemodeService(env, configFrom(env), {
      logCalls: (entry) => ws.codemode.recordCalls(entry),
    });
    const out = await codemode?.runJavaScript(
      "await codemode.everything.echo({ message: 'a' }); try { await codemode.everything.nope({}) } catch {}",
      { language: "javascript", timeoutMs: 10_000 },
    );
    expect(out?.calls).toHaveLength(2);
    const rows = await ws.codemode.recentCalls(10);
    expect(rows.map((r) => [r.tool, r.ok, r.language])).toEqual([
      ["everything.nope", false, "javascript"],
      ["everything.echo", true, "javascript"],
    ]);
    expect(rows[0]?.error).toMatch(/^TOOL_NOT_FOUND/);
    expect(rows[0]?.run_id).toBe(rows[1]?.run_id);
  });

  it("maps an isolate run onto a sandbox-shaped outcome for execute_code", async () => {
    const { codemode } = service();
    const ok = await codemode.execute("typescript", THREE_CALLS_TS, {
      timeoutMs: 10_000,
      outputLimitBytes: 65_536,
    });
    expect(ok.outcome).toMatchObject({
      success: true,
      stdout: "calls done",
      result: JSON.stringify(EXPECTED),
    });
    expect(ok.value).toEqual(EXPECTED);
    expect(ok.calls).toHaveLength(3);
    const slow = await codemode.execute("javascript", "await new Promise(() => {})", {
      timeoutMs: 300,
      outputLimitBytes: 65_536,
    });
    expect(slow.outcome).toMatchObject({ success: false, terminated: "timeout" });
  });

  it("reports a timeout by its code, never by the wording of an error", async () => {
    const { codemode } = service();
    const thrown = await codemode.execute("javascript", 'throw new Error("Execution timed out")', {
      timeoutMs: 5_000,
      outputLimitBytes: 65_536,
    });
    expect(thrown.outcome).toMatchObject({ success: false, error: { message: "Execution timed out" } });
    expect(thrown.outcome.terminated).toBeUndefined();
    const slow = await codemode.runJavaScript("await new Promise(() => {})", {
      language: "javascript",
      timeoutMs: 300,
    });
    expect(slow).toMatchObject({ success: false, errorCode: "TIMED_OUT" });
  });

  it("reports a thrown error with the logs written before it", async () => {
    const { codemode } = service();
    const out = await codemode.runJavaScript('console.warn("about to fail"); throw new Error("boom")', {
      language: "javascript",
      timeoutMs: 5_000,
    });
    expect(out).toMatchObject({ success: false, error: "boom", logs: ["[warn] about to fail"] });
  });
});
