/**
 * Noisy neighbours: how much one principal's misbehaving sandbox slows another
 * principal's warm execute_code. For each misbehaviour the quiet principal's p50 while it
 * runs is set against the quiet p50 measured just before; the factor is the figure.
 */
import type { BenchModule, Row } from "./lib.ts";
import { percentile, sample, summary } from "./lib.ts";

interface Misbehaviour {
  name: string;
  language: "python" | "bash";
  code: string;
}

const CASES: Misbehaviour[] = [
  {
    name: "4 processes spinning on the CPU",
    language: "bash",
    code: "for i in 1 2 3 4; do (while :; do :; done) & done; wait",
  },
  {
    name: "process loop up to the process limit",
    language: "bash",
    code: "for i in $(seq 1 2000); do sleep 30 & done 2>/dev/null; wait",
  },
  {
    name: "allocating past the memory limit, over and over",
    language: "bash",
    code: "while :; do python3 -c 'b = bytearray(2 * 1024**3)' 2>/dev/null; done",
  },
  {
    name: "400 MiB to stdout",
    language: "python",
    code: "import sys\nfor _ in range(400):\n    sys.stdout.write('x' * 1024 * 1024)",
  },
];

const NOISY_SECONDS = 10;
const QUIET_CALLS = 15;

export const neighboursBench: BenchModule = async (stack) => {
  const quiet = await stack.connect(stack.tokens.bob, { workspace: "bench-quiet" });
  const noisy = await stack.connect(stack.tokens.alice, { workspace: "bench-noisy" });
  const call = () =>
    quiet.callTool({ name: "execute_code", arguments: { code: "x += 1", language: "python" } });
  await quiet.callTool({ name: "execute_code", arguments: { code: "x = 0", language: "python" } });
  const rows: Row[] = [];
  let worst = 0;
  for (const c of CASES) {
    const baseline = await sample(QUIET_CALLS, call, 3);
    const running = noisy.callTool({
      name: "execute_code",
      arguments: { code: c.code, language: c.language, timeout_seconds: NOISY_SECONDS },
    });
    await new Promise((r) => setTimeout(r, 1_000)); // let the misbehaviour get going
    const during = await sample(QUIET_CALLS, call, 0);
    await running;
    const factor = percentile(during, 50) / percentile(baseline, 50);
    worst = Math.max(worst, factor);
    rows.push({
      name: `quiet principal while the other runs ${c.name}`,
      value: summary(during),
      note: `×${factor.toFixed(2)} its p50 just before (${percentile(baseline, 50).toFixed(2)} ms)`,
    });
  }
  rows.push({ name: "worst p50 slowdown factor", value: `×${worst.toFixed(2)}` });
  return rows;
};
