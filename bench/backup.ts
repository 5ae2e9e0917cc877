/**
 * Workspace saves on the Cloudflare backend (real Sandbox containers through the local
 * container runner, miniflare's local R2): for a 10 MB and a 200 MB workspace (random,
 * incompressible data in 10 files), the time `save_workspace` takes end to end, and the
 * first call after the container stopped: container start plus restore, next to the
 * first call of a workspace that has nothing to restore (the cold start alone).
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { serverMissingReason } from "../containers/src/config.ts";
import { type Stack, startStack } from "../test/helpers/stack.ts";
import { type BenchModule, percentile, type Row } from "./lib.ts";

const SIZES_MB = [10, 200];
const ROUNDS: Record<number, number> = { 10: 3, 200: 2 };

async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const res = await client.callTool({ name, arguments: args }, undefined, { timeout: 600_000 });
  if (res.isError) throw new Error(`${name} failed: ${JSON.stringify(res.content).slice(0, 300)}`);
  return res.structuredContent as Record<string, unknown>;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

interface Round {
  save: number;
  firstCallAfterStop: number;
  coldStart: number;
  archiveBytes: number;
}

async function round(stack: Stack, mb: number, i: number): Promise<Round> {
  const client = await stack.connect(stack.tokens.alice, { workspace: `bench-backup-${mb}-${i}` });
  const perFile = Math.floor((mb * 1_000_000) / 10);
  const container = await stack.containers.startedBy(() =>
    call(client, "execute_code", {
      language: "bash",
      code: `mkdir -p data && for n in 0 1 2 3 4 5 6 7 8 9; do head -c ${perFile} /dev/urandom > data/part-$n; done`,
      timeout_seconds: 300,
    }),
  );
  let archiveBytes = 0;
  const save = await timed(async () => {
    const out = (await call(client, "save_workspace", {})) as {
      saves: { last_save: { archive_bytes: number } };
    };
    archiveBytes = out.saves.last_save.archive_bytes;
  });
  // Stopped outright: nothing is saved on the way down, so the next call restores the above.
  await stack.containers.sleep(container);
  const firstCallAfterStop = await timed(async () => {
    const out = await call(client, "execute_code", { language: "bash", code: "true" });
    if (!out.workspace_restored) throw new Error("the first call after the stop restored nothing");
  });
  const fresh = await stack.connect(stack.tokens.alice, { workspace: `bench-backup-cold-${mb}-${i}` });
  const coldStart = await timed(() => call(fresh, "execute_code", { language: "bash", code: "true" }));
  await call(client, "reset_workspace", {});
  await Promise.all([client.close(), fresh.close()]);
  return { save, firstCallAfterStop, coldStart, archiveBytes };
}

const p50 = (xs: number[]) => percentile(xs, 50);

export const backupBench: BenchModule = async () => {
  const missing = serverMissingReason();
  if (missing) return [{ name: "workspace saves", value: "n/a", note: missing }];
  const stack = await startStack({ backend: "cloudflare" });
  const rows: Row[] = [];
  try {
    for (const mb of SIZES_MB) {
      const rounds: Round[] = [];
      for (let i = 0; i < (ROUNDS[mb] ?? 1); i++) rounds.push(await round(stack, mb, i));
      const save = p50(rounds.map((r) => r.save));
      const after = p50(rounds.map((r) => r.firstCallAfterStop));
      const cold = p50(rounds.map((r) => r.coldStart));
      const n = `n=${rounds.length}`;
      rows.push({
        name: `${mb} MB: save_workspace`,
        value: `p50 ${save.toFixed(0)} ms`,
        note: `${n}; archive ${(p50(rounds.map((r) => r.archiveBytes)) / 1e6).toFixed(1)} MB, ${((mb / save) * 1000).toFixed(0)} MB/s`,
      });
      rows.push({
        name: `${mb} MB: first call after the container stopped (start + restore)`,
        value: `p50 ${after.toFixed(0)} ms`,
        note: `${n}; cold start without a save ${cold.toFixed(0)} ms, so restore ≈ ${(after - cold).toFixed(0)} ms`,
      });
    }
  } finally {
    await stack.stop();
  }
  return rows;
};
