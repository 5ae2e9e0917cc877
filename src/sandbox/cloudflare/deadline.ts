/**
 * A client-side deadline around an SDK call. Calls into a stalled container can hang
 * indefinitely (sandbox-sdk #320, #101), and `AbortSignal` cannot cross the Durable
 * Object RPC boundary, so the Worker side must stop waiting on its own.
 */
import { sandboxHung } from "./errors.ts";

export const TIMED_OUT: unique symbol = Symbol("timed out");

/** Resolves to the call's value, or to `TIMED_OUT` once `ms` have passed. */
export async function withDeadline<T>(call: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  // The losing call keeps running; swallow its late rejection so it is not reported unhandled.
  call.catch(() => {});
  try {
    return await Promise.race([call, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Like `withDeadline`, but a missed deadline is a SANDBOX_UNAVAILABLE error. */
export async function bounded<T>(what: string, call: Promise<T>, ms: number): Promise<T> {
  const result = await withDeadline(call, ms);
  if (result === TIMED_OUT) throw sandboxHung(what, ms);
  return result;
}
