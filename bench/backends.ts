/**
 * The two sandbox backends side by side in one run: the local host (the default) and the
 * Cloudflare backend on real Sandbox containers (the local container runner behind the
 * development entry, as `npm start` with SANDBOX_BACKEND=cloudflare runs it). Per
 * backend: warm execute_code round trips in Python and bash (alternating, so both see the
 * same load), a new workspace's first call (a fresh sandbox: on Cloudflare a container
 * start), and the three-call code-mode program in Python (through outbound interception
 * on Cloudflare, the local callback on the host).
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { serverMissingReason } from "../containers/src/config.ts";
import { type BackendName, type Stack, startStack } from "../test/helpers/stack.ts";
import { PY_PROGRAM } from "./codemode.ts";
import { type BenchModule, percentile, type Row, sample } from "./lib.ts";

const WARM_RUNS = 40;
const FIRST_CALLS = 5;
const PROGRAM_RUNS = 15;

interface Figures {
  python: number[];
  bash: number[];
  firstCall: number[];
  program: number[];
}

/** Runs `code`; throws unless it succeeded (and made `calls` code-mode calls, if given). */
async function succeeded(client: Client, language: string, code: string, calls?: number): Promise<void> {
  const res = await client.callTool({ name: "execute_code", arguments: { code, language } }, undefined, {
    timeout: 120_000,
  });
  const out = res.structuredContent as
    | { success?: boolean; diagnostics?: { codemode_calls?: unknown[] } }
    | undefined;
  const made = out?.diagnostics?.codemode_calls?.length ?? 0;
  if (res.isError || !out?.success || (calls !== undefined && made !== calls)) {
    throw new Error(`${language} run failed: ${JSON.stringify(res).slice(0, 300)}`);
  }
}

async function measure(stack: Stack, backend: BackendName): Promise<Figures> {
  const client = await stack.connect(stack.tokens.alice, { workspace: `bench-${backend}` });
  await succeeded(client, "python", "x = 1");
  const [python, bash]: [number[], number[]] = [[], []];
  for (let i = 0; i < 3; i++) await succeeded(client, "bash", "true");
  for (let i = 0; i < WARM_RUNS; i++) {
    python.push(...(await sample(1, () => succeeded(client, "python", "x += 1"), 0)));
    bash.push(...(await sample(1, () => succeeded(client, "bash", "true"), 0)));
  }
  const firstCall: number[] = [];
  for (let i = 0; i < FIRST_CALLS; i++) {
    const fresh = await stack.connect(stack.tokens.alice, { workspace: `bench-${backend}-new-${i}` });
    firstCall.push(...(await sample(1, () => succeeded(fresh, "python", "print(1)"), 0)));
    await fresh.close();
  }
  const program = await sample(PROGRAM_RUNS, () => succeeded(client, "python", PY_PROGRAM, 3), 2);
  await client.close();
  return { python, bash, firstCall, program };
}

const p = (samples: number[], q: number) => `${percentile(samples, q).toFixed(1)}`;
const cell = (samples: number[]) => `p50 ${p(samples, 50)} ms, p95 ${p(samples, 95)} ms`;

/** `codemodeVars`: the Worker settings that give code mode its upstream (bench/codemode.ts). */
export function backendsBench(codemodeVars: Record<string, string>): BenchModule {
  return async (local) => {
    const missing = serverMissingReason();
    if (missing) return [{ name: "cloudflare backend", value: "n/a", note: missing }];
    const cloudflare = await startStack({ backend: "cloudflare", vars: codemodeVars });
    let figures: Record<BackendName, Figures>;
    try {
      // One after the other, so neither measures while the other loads the machine.
      figures = { local: await measure(local, "local"), cloudflare: await measure(cloudflare, "cloudflare") };
    } finally {
      await cloudflare.stop();
    }
    const rows: Array<[string, keyof Figures, number]> = [
      ["execute_code python, warm", "python", WARM_RUNS],
      ["execute_code bash `true`, warm", "bash", WARM_RUNS],
      ["a new workspace's first call (python)", "firstCall", FIRST_CALLS],
      ["three-call code-mode program, Python", "program", PROGRAM_RUNS],
    ];
    return rows.map(([name, key, n]): Row => {
      const ratio = percentile(figures.cloudflare[key], 50) / percentile(figures.local[key], 50);
      return {
        name: `${name} (n=${n})`,
        value: `local ${cell(figures.local[key])} | cloudflare ${cell(figures.cloudflare[key])}`,
        note: `cloudflare/local p50 ${ratio.toFixed(2)}×`,
      };
    });
  };
}
