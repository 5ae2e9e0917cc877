/**
 * Warm starts on the Cloudflare backend (real containers from the local container runner,
 * with the platform's cold start emulated: COLD_START_REFERENCE_MS, containers/src/config.ts).
 * In one run: a new workspace's first `execute_code` without a warm pool (its container
 * starts cold), the same with a pre-started container from the pool
 * (SANDBOX_WARM_POOL_SIZE), and the warm-call figure beside them. Target: the first call
 * with a pre-started container within 2× a warm call.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { COLD_START_REFERENCE_MS, serverMissingReason } from "../containers/src/config.ts";
import { type Stack, startStack } from "../test/helpers/stack.ts";
import { type BenchModule, percentile, type Row, sample } from "./lib.ts";

const WARM_RUNS = 30;
const FIRST_CALLS = 5;
const POOL_SIZE = 2;
const REFILL_SETTLE_MS = 8_000;
const PAUSE_MS = 3_000;

async function ran(client: Client, code: string): Promise<void> {
  const res = await client.callTool(
    { name: "execute_code", arguments: { code, language: "python" } },
    undefined,
    { timeout: 120_000 },
  );
  if (res.isError || !(res.structuredContent as { success?: boolean } | undefined)?.success) {
    throw new Error(`python run failed: ${JSON.stringify(res).slice(0, 300)}`);
  }
}

interface FirstCalls {
  connect: number[];
  firstCall: number[];
  /** Workspaces that got no pre-started container (the pool was still refilling). */
  missed: number;
}

/** New workspaces' connect (which claims a pooled container) and first call, one by one. */
async function firstCalls(stack: Stack, prefix: string, before?: (i: number) => Promise<void>) {
  const out: FirstCalls = { connect: [], firstCall: [], missed: 0 };
  for (let i = 0; i < FIRST_CALLS; i++) {
    await before?.(i);
    let client: Client | undefined;
    out.connect.push(
      ...(await sample(
        1,
        async () => {
          client = await stack.connect(stack.tokens.alice, { workspace: `${prefix}-${i}` });
        },
        0,
      )),
    );
    const fresh = client as Client;
    const [took] = await sample(1, () => ran(fresh, "print(1)"), 0);
    // Pooled sandbox ids start with "p" (src/sandbox/cloudflare/warm-pool.ts).
    const info = await fresh.callTool({ name: "workspace_info", arguments: {} });
    const pooled = (info.structuredContent as { sandboxId?: string }).sandboxId?.startsWith("p");
    if (before && !pooled) out.missed++;
    else out.firstCall.push(took as number);
    await fresh.close();
  }
  return out;
}

async function until(what: string, ok: () => Promise<boolean>, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const p50 = (s: number[]) => percentile(s, 50);
const cell = (s: number[]) => `p50 ${p50(s).toFixed(1)} ms, p95 ${percentile(s, 95).toFixed(1)} ms`;

export const warmStartsBench: BenchModule = async () => {
  const missing = serverMissingReason();
  if (missing) return [{ name: "warm starts", value: "n/a", note: missing }];
  const coldStartMs = COLD_START_REFERENCE_MS;

  // Without a pool: every new workspace starts its container on its first call.
  const cold = await startStack({ backend: "cloudflare", coldStartMs });
  let without: FirstCalls;
  try {
    without = await firstCalls(cold, "cold");
  } finally {
    await cold.stop();
  }

  const pooled = await startStack({
    backend: "cloudflare",
    coldStartMs,
    vars: { SANDBOX_WARM_POOL_SIZE: String(POOL_SIZE) },
  });
  let warm: number[];
  const newSession: number[] = [];
  const afterPause: number[] = [];
  let withPool: FirstCalls;
  try {
    // The first workspace finds the pool empty and starts it; its container is the warm one.
    const client = await pooled.connect(pooled.tokens.alice, { workspace: "warm" });
    await ran(client, "x = 0");
    warm = await sample(WARM_RUNS, () => ran(client, "x += 1"), 3);
    // A warm workspace's call after a pause: the SDK closes an idle control connection
    // after a second, so a model's calls seconds apart pay its reconnect.
    for (let i = 0; i < FIRST_CALLS; i++) {
      await new Promise((r) => setTimeout(r, PAUSE_MS));
      afterPause.push(...(await sample(1, () => ran(client, "x += 1"), 0)));
    }
    // What a new session costs by itself: its first call, on the already warm workspace.
    for (let i = 0; i < FIRST_CALLS; i++) {
      const session = await pooled.connect(pooled.tokens.alice, { workspace: "warm" });
      newSession.push(...(await sample(1, () => ran(session, "x += 1"), 0)));
      await session.close();
    }
    // Each new workspace arrives when a pre-started container is ready (the pool is full:
    // the warm workspace's container, one per earlier workspace, and POOL_SIZE idle ones).
    withPool = await firstCalls(pooled, "pooled", (i) =>
      until(
        "the pool to refill",
        async () => (await pooled.containers.running()).length >= 1 + i + POOL_SIZE,
      ),
    );
    await client.close();
  } finally {
    await pooled.stop();
  }

  const ratio = (s: number[]) => `${(p50(s) / p50(warm)).toFixed(2)}× a warm call`;
  return [
    { name: `execute_code python, warm (n=${WARM_RUNS})`, value: cell(warm) },
    {
      name: `warm workspace, a call after ${PAUSE_MS / 1000} s idle (n=${FIRST_CALLS})`,
      value: cell(afterPause),
      note: ratio(afterPause),
    },
    {
      name: `new session on the warm workspace, first call (n=${FIRST_CALLS})`,
      value: cell(newSession),
      note: `${ratio(newSession)}: a session's own first-call cost, no container start`,
    },
    {
      name: `new workspace, first call, no pool (n=${FIRST_CALLS})`,
      value: cell(without.firstCall),
      note: `${ratio(without.firstCall)}; cold start emulated at ${coldStartMs} ms`,
    },
    {
      name: `new workspace, first call, pre-started container (n=${FIRST_CALLS})`,
      value: cell(withPool.firstCall),
      note: `${ratio(withPool.firstCall)} (target ≤ 2×)${withPool.missed ? `; ${withPool.missed} found the pool refilling` : ""}`,
    },
    {
      name: "new workspace, connect (initialize; claims from the pool)",
      value: `no pool ${cell(without.connect)} | pool ${cell(withPool.connect)}`,
    },
  ] satisfies Row[];
};
