/**
 * Idempotency keys for tools that change state. Such a tool takes an optional
 * `idempotency_key`; the first call with a key runs, and a repeat with the same key (a
 * client re-sending after a lost response) gets the first call's output instead of
 * running again. A repeat that arrives while the first call still runs waits for it.
 * Keys belong to the workspace (so to one principal) and are bound to the tool and
 * arguments they were first used with; reusing one for a different call is an error.
 * A call that failed with an error (not a result) leaves no record and may be retried.
 */
import { z } from "zod";
import { AppError } from "../errors/app-error.ts";
import { toHex } from "../shared/encoding.ts";
import type { IdempotencyApi, ToolDeps } from "./deps.ts";
import type { ToolDefinition, ToolOutput } from "./tool-kit.ts";

const WAIT_STEP_MS = 250;

export const IdempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .optional()
  .describe(
    "optional; a repeat of this call with the same key returns the first call's result instead of running again (use a fresh unique value per intended action)",
  );

async function fingerprint(tool: string, args: unknown): Promise<string> {
  const bytes = new TextEncoder().encode(`${tool}\n${JSON.stringify(args)}`);
  return toHex(await crypto.subtle.digest("SHA-256", bytes));
}

/**
 * Runs `run` once per key: the output of the first run is kept and returned to repeats.
 * `waitMs` bounds how long a repeat waits for a first call that is still running.
 */
export async function once<T>(
  api: IdempotencyApi,
  key: string,
  print: string,
  waitMs: number,
  run: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const claim = await api.claim(key, print, waitMs);
    switch (claim.kind) {
      case "done":
        return JSON.parse(claim.output) as T;
      case "mismatch":
        throw new AppError(
          "IDEMPOTENCY_KEY_REUSED",
          `The idempotency key "${key.slice(0, 80)}" was already used for a different call.`,
          {
            suggestion: "Use a fresh key for each distinct action; repeat a key only to retry the same call.",
          },
        );
      case "running":
        if (Date.now() >= deadline) {
          throw new AppError(
            "CALL_IN_PROGRESS",
            `The call with idempotency key "${key.slice(0, 80)}" is still running.`,
            {
              suggestion: "Repeat the call later with the same key to get its result.",
            },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
        continue;
      case "new": {
        let output: T;
        try {
          output = await run();
        } catch (error) {
          await api.release(key);
          throw error;
        }
        await api.finish(key, JSON.stringify(output));
        return output;
      }
    }
  }
}

/** How long a repeat may wait for the first call: as long as any single call may run. */
export function waitLimitMs(deps: ToolDeps): number {
  return (deps.config.MAX_TIMEOUT_SECONDS + 30) * 1000;
}

/** The fingerprint of a call: which tool, with which arguments (the key itself excluded). */
export function callFingerprint(tool: string, args: Record<string, unknown>): Promise<string> {
  const { idempotency_key: _key, ...rest } = args;
  return fingerprint(tool, rest);
}

// One extended schema per tool schema: servers are built per request (2026-07-28), and
// the same schema object lets them reuse its JSON Schema.
const extended = new WeakMap<z.ZodObject, z.ZodObject>();

/** Adds `idempotency_key` to a state-changing tool; its handler runs once per key. */
export function withIdempotency<I extends z.ZodObject, O extends z.ZodObject>(
  tool: ToolDefinition<ToolDeps, I, O>,
): ToolDefinition<ToolDeps, I, O> {
  let schema = extended.get(tool.input);
  if (!schema) {
    schema = tool.input.extend({ idempotency_key: IdempotencyKey });
    extended.set(tool.input, schema);
  }
  const input = schema as unknown as I;
  return {
    ...tool,
    input,
    handler: async (args, deps, extra) => {
      const { idempotency_key: key, ...rest } = args as z.infer<I> & { idempotency_key?: string };
      const call = () => tool.handler(rest as z.infer<I>, deps, extra);
      if (key === undefined) return call();
      const print = await callFingerprint(tool.name, rest);
      return once<ToolOutput<z.infer<O>>>(deps.idempotency, key, print, waitLimitMs(deps), call);
    },
  };
}
