/** `exec` for the Cloudflare backend: timeout-wrapped, streamed, budgeted. */
import type { ExecOptions, ExecOutcome } from "../backend.ts";
import { TIMED_OUT, withDeadline } from "./deadline.ts";
import { byteLength } from "./output-cap.ts";
import { applyOutputBudget } from "./output-files.ts";
import { isTimeoutExit, KILL_GRACE_SECONDS, stripTimeoutNotice, wrapWithTimeout } from "./shell.ts";
import type { AdapterSettings, SandboxApi } from "./types.ts";

export async function runExec(
  sandbox: SandboxApi,
  command: string,
  cwd: string,
  options: ExecOptions,
  settings: AdapterSettings,
): Promise<ExecOutcome> {
  const started = Date.now();
  const seen = { stdout: "", stderr: "" };
  const forwarded = { stdout: 0, stderr: 0 };
  const onOutput = (stream: "stdout" | "stderr", chunk: string): void => {
    seen[stream] += chunk;
    // Forward live output only up to the budget; the rest arrives in the capped result.
    if (!options.onOutput || forwarded[stream] >= options.outputLimitBytes) return;
    forwarded[stream] += byteLength(chunk);
    options.onOutput(stream, chunk);
  };

  const call = sandbox.exec(wrapWithTimeout(command, options.timeoutMs), {
    cwd,
    stream: true,
    onOutput,
    ...(options.env ? { env: options.env } : {}),
  });
  const waitMs = options.timeoutMs + KILL_GRACE_SECONDS * 1000 + settings.hangGraceMs;
  const result = await withDeadline(call, waitMs);

  if (result === TIMED_OUT) {
    // The container stopped answering; `timeout` inside it has killed the command
    // by now if the container is alive at all. Report what was seen as a timeout.
    const budget = await applyOutputBudget(
      null,
      { stdout: seen.stdout, stderr: stripTimeoutNotice(seen.stderr).stderr },
      options.outputLimitBytes,
    );
    return { exitCode: null, ...budget, terminated: "timeout", durationMs: Date.now() - started };
  }

  const { stderr, fired } = stripTimeoutNotice(result.stderr);
  const timedOut = isTimeoutExit(result.exitCode, fired);
  const budget = await applyOutputBudget(
    { sandbox, deadlineMs: settings.callTimeoutMs },
    { stdout: result.stdout, stderr },
    options.outputLimitBytes,
  );
  return {
    exitCode: timedOut ? null : result.exitCode,
    ...budget,
    ...(timedOut ? { terminated: "timeout" as const } : {}),
    durationMs: Date.now() - started,
  };
}
