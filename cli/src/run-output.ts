/**
 * How `exec` and `run` show a finished run: the program's stdout and stderr on ours, an
 * exception's traceback and the server's notes (timeout, truncation) on stderr, and an
 * exit status a shell script can test.
 */

import type { ExecuteCodeOutput, RunFileOutput } from "../../src/mcp/schemas/run.ts";
import { EXIT } from "./errors.ts";
import { line } from "./format.ts";
import type { Io } from "./io.ts";

/** Fields both results have, plus execute_code's extras when present. */
export type RunLike = RunFileOutput | ExecuteCodeOutput;

export function printRun(io: Io, run: RunLike): void {
  io.stdout(run.stdout);
  if ("result" in run && run.result !== undefined) {
    if (run.stdout !== "" && !run.stdout.endsWith("\n")) io.stdout("\n");
    io.stdout(line(run.result));
  }
  io.stderr(run.stderr);
  if (run.stderr !== "" && !run.stderr.endsWith("\n")) io.stderr("\n");
  if (run.error) {
    const trace =
      run.error.traceback.length > 0 ? run.error.traceback : [`${run.error.name}: ${run.error.message}`];
    io.stderr(line(trace.join("\n")));
  }
  for (const stream of ["stdout", "stderr"] as const) {
    if (!run.truncated[stream]) continue;
    const saved = run.full_output[stream];
    io.stderr(`[${stream} was truncated${saved ? `; the full output is in ${saved}` : ""}]\n`);
  }
  const kind = run.diagnostics?.error_type;
  if ((kind === "TIMEOUT" || kind === "MEMORY_LIMIT" || kind === "KILLED") && run.diagnostics?.message) {
    io.stderr(`[${run.diagnostics.message}]\n`);
  }
  if ("images" in run && run.images > 0) {
    io.stderr(`[${run.images} image(s) returned; the terminal does not show them]\n`);
  }
  if ("context_reset" in run && run.context_reset) {
    io.stderr("[the persistent context was reset: earlier variables are gone]\n");
  }
}

/**
 * The run's exit status: its own exit code when it has one; 124 for a timeout, 137 when
 * the sandbox killed it, 1 for an exception.
 */
export function runExitCode(run: RunLike): number {
  switch (run.diagnostics?.error_type) {
    case "TIMEOUT":
      return EXIT.TIMEOUT;
    case "MEMORY_LIMIT":
    case "KILLED":
      return EXIT.KILLED;
  }
  if (run.exit_code !== null) return run.exit_code;
  return run.success ? EXIT.OK : EXIT.FAILURE;
}
