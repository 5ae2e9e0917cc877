/** Measurement helpers shared by the benchmark modules. */
import type { Stack } from "../test/helpers/stack.ts";

export interface Row {
  name: string;
  value: string;
  note?: string;
}

export type BenchModule = (stack: Stack) => Promise<Row[]>;

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** Runs `fn` `warmup` times unmeasured, then `runs` times; returns the durations in ms. */
export async function sample(runs: number, fn: () => Promise<unknown>, warmup = 3): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    out.push(performance.now() - start);
  }
  return out;
}

export const ms = (value: number): string => `${value.toFixed(2)} ms`;

export function summary(samples: number[]): string {
  return `p50 ${ms(percentile(samples, 50))}, p95 ${ms(percentile(samples, 95))} (n=${samples.length})`;
}
