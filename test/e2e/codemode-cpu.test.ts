/**
 * A code-mode JavaScript program stuck in a CPU loop under `wrangler dev`: workerd does
 * not enforce the Worker Loader's CPU limit locally, and the isolate shares the thread
 * with the server, so before the loop guard one `while (true) {}` froze every session.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Stack, startStack } from "../helpers/stack.ts";
import { startUpstreamEverything, type UpstreamEverything } from "../helpers/upstream-everything.ts";

let upstream: UpstreamEverything;
let stack: Stack;

beforeAll(async () => {
  upstream = await startUpstreamEverything();
  const servers = [{ name: "everything", url: upstream.url }];
  stack = await startStack({ vars: { UPSTREAM_MCP_SERVERS: JSON.stringify(servers) } });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await upstream?.stop();
});

interface Outcome {
  success: boolean;
  diagnostics: { error_type?: string } | null;
}

it("stops `while (true) {}` at its timeout; other sessions are served meanwhile and the next run works", async () => {
  const [alice, bob] = [await stack.connect(stack.tokens.alice), await stack.connect(stack.tokens.bob)];
  const echo = (message: string) => ({
    name: "execute_code",
    arguments: {
      language: "javascript",
      code: `return await codemode.everything.echo({ message: "${message}" })`,
    },
  });
  const started = Date.now();
  const stuck = alice.callTool({
    name: "execute_code",
    arguments: { language: "javascript", code: "codemode.everything; while (true) {}", timeout_seconds: 2 },
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const meanwhile = await bob.callTool(echo("from bob"));
  expect(meanwhile.structuredContent).toMatchObject({
    success: true,
    result: JSON.stringify("Echo: from bob"),
  });

  const stopped = (await stuck).structuredContent as unknown as Outcome;
  expect(stopped).toMatchObject({ success: false, diagnostics: { error_type: "TIMEOUT" } });
  expect(Date.now() - started).toBeLessThan(15_000);

  const after = await alice.callTool(echo("after"));
  expect(after.structuredContent).toMatchObject({ success: true, result: JSON.stringify("Echo: after") });
}, 120_000);
