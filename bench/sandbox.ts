/**
 * Warm execute_code round trip over MCP (client → wrangler dev → session DO → sandbox
 * host → persistent Python context and back) beside the cost of merely spawning
 * `python3 -c pass` on this machine, measured in the same run; and warm bash against
 * warm Python, alternating.
 */
import { execFileSync } from "node:child_process";
import type { BenchModule } from "./lib.ts";
import { percentile, sample, summary } from "./lib.ts";

const PYTHON = "/usr/bin/python3";

export const sandboxBench: BenchModule = async (stack) => {
  const client = await stack.connect(stack.tokens.alice, { workspace: "bench" });
  const call = (code: string) =>
    client.callTool({ name: "execute_code", arguments: { code, language: "python" } });
  await call("x = 1");
  const warm = await sample(100, () => call("x += 1"), 5);
  // The transport's own floor (wrangler dev's proxy plus McpAgent's hop into the session).
  const ping = await sample(100, () => client.ping(), 5);
  const spawn = await sample(30, async () => execFileSync(PYTHON, ["-c", "pass"]), 3);
  // bash and python alternate, so both see the same machine load.
  const runBash = () =>
    client.callTool({ name: "execute_code", arguments: { code: "true", language: "bash" } });
  const [bash, python]: [number[], number[]] = [[], []];
  for (let i = 0; i < 3; i++) await runBash();
  for (let i = 0; i < 60; i++) {
    bash.push(...(await sample(1, runBash, 0)));
    python.push(...(await sample(1, () => call("x += 1"), 0)));
  }
  const bashRatio = percentile(bash, 50) / percentile(python, 50);
  const ratio = percentile(warm, 50) / percentile(spawn, 50);
  return [
    { name: "execute_code python, warm, over MCP", value: summary(warm) },
    { name: `spawn ${PYTHON} -c pass`, value: summary(spawn) },
    { name: "MCP ping (transport floor)", value: summary(ping) },
    {
      name: "warm python p50 / spawn p50",
      value: ratio.toFixed(2),
      note: ratio < 1 ? "target met (< 1)" : "target missed (≥ 1)",
    },
    { name: "execute_code bash `true`, warm, over MCP", value: summary(bash) },
    { name: "execute_code python, same rounds as bash", value: summary(python) },
    {
      name: "warm bash p50 / warm python p50",
      value: bashRatio.toFixed(2),
      note: bashRatio <= 1.5 ? "target met (≤ 1.5)" : "target missed (> 1.5)",
    },
  ];
};
