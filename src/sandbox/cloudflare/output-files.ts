/**
 * Applies the output budget to a run's two streams and, for each stream over budget,
 * saves the complete text in the workspace so the model can page through it later.
 */
import type { FullOutput, Truncation } from "../../shared/sandbox-schema.ts";
import { TIMED_OUT, withDeadline } from "./deadline.ts";
import { capOutput } from "./output-cap.ts";
import { WORKSPACE_ROOT } from "./paths.ts";
import type { SandboxApi } from "./types.ts";

export const OUTPUTS_DIR = `${WORKSPACE_ROOT}/.outputs`;

export interface BudgetedStreams {
  stdout: string;
  stderr: string;
  truncated: Truncation;
  fullOutput: FullOutput;
}

/**
 * `saveTo` is null when the sandbox is not answering: the streams are still capped,
 * but nothing is saved (the marker says so).
 */
export async function applyOutputBudget(
  saveTo: { sandbox: SandboxApi; deadlineMs: number } | null,
  streams: { stdout: string; stderr: string },
  limitBytes: number,
): Promise<BudgetedStreams> {
  const runId = crypto.randomUUID();
  const out: BudgetedStreams = {
    stdout: streams.stdout,
    stderr: streams.stderr,
    truncated: { stdout: false, stderr: false },
    fullOutput: {},
  };
  for (const stream of ["stdout", "stderr"] as const) {
    const path = `${OUTPUTS_DIR}/${runId}.${stream}.log`;
    const capped = capOutput(
      streams[stream],
      limitBytes,
      saveTo ? path : "(not saved: sandbox not answering)",
    );
    if (!capped.truncated) continue;
    out[stream] = capped.text;
    out.truncated[stream] = true;
    if (!saveTo) continue;
    try {
      // The SDK creates missing parent directories on write.
      const saved = await withDeadline(
        saveTo.sandbox.writeFile(path, streams[stream], { encoding: "utf-8" }),
        saveTo.deadlineMs,
      );
      if (saved !== TIMED_OUT) out.fullOutput[stream] = path;
    } catch {
      // Saving is best effort: a truncated result is still a result.
    }
  }
  return out;
}
