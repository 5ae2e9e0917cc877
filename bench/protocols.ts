/**
 * The two protocol eras side by side: a warm execute_code over 2026-07-28 (stateless: a
 * fresh server and a workspace attach per request) and the same over a 2025 session
 * (a session Durable Object that already holds its server). Calls alternate between the
 * two so both see the same machine load.
 */
import { connect2026 } from "../test/helpers/client-2026.ts";
import type { BenchModule } from "./lib.ts";
import { percentile, summary } from "./lib.ts";

const RUNS = 100;

export const protocolsBench: BenchModule = async (stack) => {
  const legacy = await stack.connect(stack.tokens.alice, { workspace: "bench-2025" });
  const modern = await connect2026(stack.url, stack.tokens.alice, "bench-2026");
  const args = { code: "x += 1", language: "python" };
  try {
    for (const client of [legacy, modern]) {
      await client.callTool({ name: "execute_code", arguments: { code: "x = 1", language: "python" } });
      for (let i = 0; i < 5; i++) await client.callTool({ name: "execute_code", arguments: args });
    }
    const timed = async (fn: () => Promise<unknown>) => {
      const start = performance.now();
      await fn();
      return performance.now() - start;
    };
    const old: number[] = [];
    const now: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      old.push(await timed(() => legacy.callTool({ name: "execute_code", arguments: args })));
      now.push(await timed(() => modern.callTool({ name: "execute_code", arguments: args })));
    }
    const ratio = percentile(now, 50) / percentile(old, 50);
    return [
      { name: "execute_code python, warm, 2026-07-28 stateless", value: summary(now) },
      { name: "execute_code python, warm, 2025 session", value: summary(old) },
      { name: "2026-07-28 p50 / 2025 p50", value: ratio.toFixed(2) },
    ];
  } finally {
    await modern.close();
  }
};
