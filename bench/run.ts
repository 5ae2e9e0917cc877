/**
 * `npm run bench`: starts the real local stack once and prints each module's figures.
 * Figures from one run are comparable with each other; compare ratios, not absolutes
 * across machines.
 */
import { startStack } from "../test/helpers/stack.ts";
import { backendsBench } from "./backends.ts";
import { backupBench } from "./backup.ts";
import { codemodeBench, startCodemodeUpstream } from "./codemode.ts";
import type { BenchModule, Row } from "./lib.ts";
import { loadBench } from "./load.ts";
import { memoryBench } from "./memory.ts";
import { neighboursBench } from "./neighbours.ts";
import { protocolsBench } from "./protocols.ts";
import { sandboxBench } from "./sandbox.ts";
import { tasksBench } from "./tasks.ts";
import { warmStartsBench } from "./warm-starts.ts";

const modules: Array<[string, BenchModule]> = [
  ["sandbox", sandboxBench],
  ["tasks", tasksBench],
  ["protocols", protocolsBench],
  ["load", loadBench],
  ["neighbours", neighboursBench],
  ["memory", memoryBench],
  // Starts its own Cloudflare-backend stack.
  ["backup", backupBench],
];

// `npm run bench -- load neighbours` runs only the named modules.
const only = process.argv.slice(2);
const later = ["codemode", "backends", "warm"];
const unknown = only.filter((name) => !later.includes(name) && !modules.some(([title]) => title === name));
if (unknown.length > 0) {
  console.error(`unknown bench module(s): ${unknown.join(", ")}`);
  process.exit(2);
}
// Code mode needs an upstream MCP server running before the Worker starts.
const codemode = await startCodemodeUpstream();
modules.push(["codemode", codemodeBench(codemode.upstream.url)]);
// Both sandbox backends side by side: starts its own Cloudflare-backend stack.
modules.push(["backends", backendsBench(codemode.vars)]);
// Warm starts: a new workspace's first call with and without the warm pool (own stacks).
modules.push(["warm", warmStartsBench]);
const stack = await startStack({ vars: codemode.vars });
try {
  for (const [title, run] of modules) {
    if (only.length > 0 && !only.includes(title)) continue;
    const rows: Row[] = await run(stack);
    console.log(`\n## ${title}`);
    const width = Math.max(...rows.map((r) => r.name.length));
    for (const row of rows)
      console.log(`  ${row.name.padEnd(width)}  ${row.value}${row.note ? `  — ${row.note}` : ""}`);
  }
} finally {
  await stack.stop();
  await codemode.upstream.stop();
}
