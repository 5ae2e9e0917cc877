/**
 * `npm run bench`: starts the real local stack once and prints each module's figures.
 * Figures from one run are comparable with each other; compare ratios, not absolutes
 * across machines.
 */
import { startStack } from "../test/helpers/stack.ts";
import type { BenchModule, Row } from "./lib.ts";
import { sandboxBench } from "./sandbox.ts";
import { tasksBench } from "./tasks.ts";

const modules: Array<[string, BenchModule]> = [
  ["sandbox", sandboxBench],
  ["tasks", tasksBench],
];

const stack = await startStack();
try {
  for (const [title, run] of modules) {
    const rows: Row[] = await run(stack);
    console.log(`\n## ${title}`);
    const width = Math.max(...rows.map((r) => r.name.length));
    for (const row of rows)
      console.log(`  ${row.name.padEnd(width)}  ${row.value}${row.note ? `  — ${row.note}` : ""}`);
  }
} finally {
  await stack.stop();
}
