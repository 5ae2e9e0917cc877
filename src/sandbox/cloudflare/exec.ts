/**
 * `exec` for the Cloudflare backend: timeout-wrapped, budgeted.
 *
 * Upstream workarounds (sandbox-container 0.12.7–0.12.10):
 * - The server handles command output line by line and slowly: 100,000 short lines
 *   take 5–8 s through `exec` and longer through `exec` with `stream: true`, which also
 *   drops the end of large output in some runs and appends a newline to output that has
 *   none. So the command writes stdout and stderr to files in a private directory
 *   outside the workspace, the call itself returns no output, and the adapter reads the
 *   two files (a 600 kB file reads in one round trip) and removes them.
 */
import type { ExecOptions, ExecOutcome } from "../backend.ts";
import { TIMED_OUT, withDeadline } from "./deadline.ts";
import { applyOutputBudget } from "./output-files.ts";
import { shellQuote } from "./paths.ts";
import { isTimeoutExit, KILL_GRACE_SECONDS, stripTimeoutNotice, wrapWithTimeout } from "./shell.ts";
import type { AdapterSettings, SandboxApi } from "./types.ts";

/** Where a command's output waits to be read; never under /workspace. */
const CAPTURE_DIR = "/tmp/.codemode-exec";

export async function runExec(
  sandbox: SandboxApi,
  command: string,
  cwd: string,
  options: ExecOptions,
  settings: AdapterSettings,
): Promise<ExecOutcome> {
  const started = Date.now();
  const base = `${CAPTURE_DIR}/${crypto.randomUUID()}`;
  const [out, err] = [`${base}.out`, `${base}.err`];
  const wrapped =
    `mkdir -p ${CAPTURE_DIR} && ` +
    `${wrapWithTimeout(command, options.timeoutMs)} > ${shellQuote(out)} 2> ${shellQuote(err)} < /dev/null`;
  const call = sandbox.exec(wrapped, { cwd, ...(options.env ? { env: options.env } : {}) });
  const waitMs = options.timeoutMs + KILL_GRACE_SECONDS * 1000 + settings.hangGraceMs;
  const result = await withDeadline(call, waitMs);
  const hung = result === TIMED_OUT;
  // A container that stopped answering would not answer the reads either.
  const captured = hung ? { stdout: "", stderr: "" } : await readCaptured(sandbox, out, err, settings);
  // Best effort: the files are in the container's /tmp, which a restart wipes anyway (a
  // container stopped meanwhile fails the removal, which is then moot).
  if (!hung) {
    const removal = sandbox.exec(`rm -f ${shellQuote(out)} ${shellQuote(err)}`);
    void withDeadline(removal, settings.callTimeoutMs).catch(() => undefined);
  }

  const { stderr, fired } = stripTimeoutNotice(captured.stderr);
  if (options.onOutput) {
    // Output arrives once the command ends (see above), so it is forwarded then.
    if (captured.stdout) options.onOutput("stdout", captured.stdout.slice(0, options.outputLimitBytes));
    if (stderr) options.onOutput("stderr", stderr.slice(0, options.outputLimitBytes));
  }
  // The container stopped answering: `timeout` inside it has killed the command by now
  // if the container is alive at all. Report it as a timeout.
  const timedOut = hung || isTimeoutExit(result.exitCode, fired);
  const budget = await applyOutputBudget(
    hung ? null : { sandbox, deadlineMs: settings.callTimeoutMs },
    { stdout: captured.stdout, stderr },
    options.outputLimitBytes,
  );
  return {
    exitCode: timedOut ? null : result.exitCode,
    ...budget,
    ...(timedOut ? { terminated: "timeout" as const } : {}),
    durationMs: Date.now() - started,
  };
}

async function readCaptured(
  sandbox: SandboxApi,
  out: string,
  err: string,
  settings: AdapterSettings,
): Promise<{ stdout: string; stderr: string }> {
  const read = async (path: string): Promise<string> => {
    const file = await withDeadline(
      sandbox.readFile(path, { encoding: "utf-8" }),
      settings.callTimeoutMs,
    ).catch(() => TIMED_OUT);
    return file === TIMED_OUT || typeof file === "symbol" ? "" : file.content;
  };
  const [stdout, stderr] = await Promise.all([read(out), read(err)]);
  return { stdout, stderr };
}
