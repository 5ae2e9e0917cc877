/**
 * Code mode: the three-call program (echo, get-sum, get-structured-content) run with
 * execute_code — in a Worker Loader isolate (JavaScript) and in the sandbox (Python) —
 * beside the same three calls made directly by an MCP client to the upstream, in the
 * same run; and the size of the whole upstream tool list beside one search_tools result
 * (bytes of JSON as a model would receive them; tokens ≈ bytes / 4).
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Stack } from "../test/helpers/stack.ts";
import { startUpstreamEverything, type UpstreamEverything } from "../test/helpers/upstream-everything.ts";
import { type BenchModule, type Row, sample, summary } from "./lib.ts";

const RUNS = 30;

const JS = `
const echo = await codemode.everything.echo({ message: "hi" });
const sum = await codemode.everything.get_sum({ a: 1, b: 2 });
const weather = await codemode.everything.get_structured_content({ location: "Chicago" });
return { echo, sum, temperature: weather.temperature };`;

export const PY_PROGRAM = `
echo = codemode.everything.echo(message="hi")
total = codemode.everything.get_sum(a=1, b=2)
weather = codemode.everything.get_structured_content(location="Chicago")
{"echo": echo, "sum": total, "temperature": weather["temperature"]}`;

export interface CodemodeBenchUpstream {
  upstream: UpstreamEverything;
  /** Worker settings that make the upstream available to code mode. */
  vars: Record<string, string>;
}

export async function startCodemodeUpstream(): Promise<CodemodeBenchUpstream> {
  const upstream = await startUpstreamEverything();
  const servers = [{ name: "everything", url: upstream.url, deny: ["get-env", "trigger-*", "toggle-*"] }];
  return { upstream, vars: { UPSTREAM_MCP_SERVERS: JSON.stringify(servers) } };
}

const bytes = (value: unknown): number => new TextEncoder().encode(JSON.stringify(value)).byteLength;
const size = (n: number): string =>
  `${n.toLocaleString("en-US")} bytes (~${Math.round(n / 4).toLocaleString("en-US")} tokens)`;

export function codemodeBench(upstreamUrl: string): BenchModule {
  return async (stack: Stack): Promise<Row[]> => {
    const client = await stack.connect(stack.tokens.alice, { workspace: "bench-codemode" });
    const direct = new Client({ name: "bench-direct", version: "1.0.0" });
    await direct.connect(new StreamableHTTPClientTransport(new URL(upstreamUrl)));

    const program = (language: string, code: string) => async () => {
      const res = await client.callTool({ name: "execute_code", arguments: { language, code } });
      const out = res.structuredContent as {
        success?: boolean;
        diagnostics?: { codemode_calls?: unknown[] };
      };
      if (!out?.success || out.diagnostics?.codemode_calls?.length !== 3) {
        throw new Error(
          `${language} program did not make three code-mode calls: ${JSON.stringify(res).slice(0, 300)}`,
        );
      }
    };
    const rows: Row[] = [];
    const tryRow = async (name: string, fn: () => Promise<unknown>, note?: string) => {
      try {
        rows.push({ name, value: summary(await sample(RUNS, fn)), ...(note ? { note } : {}) });
      } catch (error) {
        rows.push({ name, value: "n/a", note: (error as Error).message.slice(0, 160) });
      }
    };
    await tryRow(
      "three calls, direct MCP client → upstream",
      async () => {
        await direct.callTool({ name: "echo", arguments: { message: "hi" } });
        await direct.callTool({ name: "get-sum", arguments: { a: 1, b: 2 } });
        await direct.callTool({ name: "get-structured-content", arguments: { location: "Chicago" } });
      },
      "three round trips from the client",
    );
    await tryRow("three-call program, JavaScript (isolate)", program("javascript", JS), "one execute_code");
    await tryRow("three-call program, Python (sandbox)", program("python", PY_PROGRAM), "one execute_code");

    const fullList = await direct.listTools();
    const search = await client.callTool({ name: "search_tools", arguments: { query: "sum" } });
    rows.push({
      name: "upstream tools/list (all tools)",
      value: size(bytes(fullList.tools)),
      note: `${fullList.tools.length} tools`,
    });
    rows.push({
      name: 'one search_tools result ("sum")',
      value: size(bytes(search.content)),
      note: "content the model reads",
    });
    await direct.close();
    return rows;
  };
}
