/**
 * Records the upstream calls one program makes: what the result diagnostics show
 * (`codemode_calls`) and what the workspace Durable Object keeps in its call log.
 * Arguments and results are never stored, only their size, so the log cannot leak
 * what a program sent or received.
 */
import { z } from "zod";
import { asAppError } from "../errors/app-error.ts";

export const CodemodeCall = z.object({
  tool: z.string().describe("server.tool"),
  args_bytes: z.number().int().describe("size of the JSON arguments"),
  duration_ms: z.number().int(),
  ok: z.boolean(),
  error: z.string().optional().describe("the error the program saw, when ok is false"),
});
export type CodemodeCall = z.infer<typeof CodemodeCall>;

/** Longest error text kept per call. */
const MAX_ERROR = 500;

export function jsonBytes(value: unknown): number {
  try {
    return new TextEncoder().encode(JSON.stringify(value) ?? "").byteLength;
  } catch {
    return 0;
  }
}

export class CallRecorder {
  readonly calls: CodemodeCall[] = [];

  /** Runs `work` as the call `tool`, recording its outcome; rethrows its error. */
  async record<T>(tool: string, args: unknown, work: () => Promise<T>): Promise<T> {
    const started = Date.now();
    const entry: CodemodeCall = { tool, args_bytes: jsonBytes(args), duration_ms: 0, ok: false };
    this.calls.push(entry);
    try {
      const value = await work();
      entry.ok = true;
      return value;
    } catch (error) {
      const known = asAppError(error);
      const message = known
        ? `${known.code}: ${known.message}`
        : error instanceof Error
          ? error.message
          : String(error);
      entry.error = message.slice(0, MAX_ERROR);
      throw error;
    } finally {
      entry.duration_ms = Date.now() - started;
    }
  }
}
