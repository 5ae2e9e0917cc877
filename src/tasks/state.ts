/**
 * The task state machine: which terminal state a finished process means, and when a
 * task that cannot be observed any more counts as lost.
 *
 *   queued ──launch──▶ running ──exit 0──▶ completed
 *     │                  ├──exit ≠ 0 / killed──▶ failed
 *     │                  ├──time limit──▶ timed_out
 *     │                  ├──cancel_task──▶ cancelled
 *     │                  └──sandbox forgot it / unreachable too long──▶ lost
 *     └──cancel──▶ cancelled, start error──▶ failed
 */
import type { ProcessInfo } from "../shared/sandbox-schema.ts";
import type { TaskState } from "./types.ts";

/** How long a running task may go without a successful look at its process. */
export const UNREACHABLE_LOST_AFTER_MS = 60_000;
/** Extra time past its limit before a task the sandbox still reports running is killed. */
export const TIMEOUT_GRACE_MS = 30_000;
/** A queued task with no process after this long never started. */
export const LAUNCH_DEADLINE_MS = 120_000;

export interface Outcome {
  state: TaskState;
  exitCode: number | null;
  reason: string | null;
}

/** The terminal outcome of a process that is no longer running, else null. */
export function outcomeOf(info: ProcessInfo, timeoutMs: number): Outcome | null {
  switch (info.state) {
    case "running":
      return null;
    case "exited":
      return info.exitCode === 0
        ? { state: "completed", exitCode: 0, reason: null }
        : {
            state: "failed",
            exitCode: info.exitCode,
            reason: `exited with code ${info.exitCode ?? "unknown"}`,
          };
    case "timed_out":
      return {
        state: "timed_out",
        exitCode: null,
        reason: `ran longer than its ${timeoutMs / 1000} s limit; the process tree was killed`,
      };
    case "killed":
      return {
        state: "failed",
        exitCode: null,
        reason: "the process was killed (for example by a memory limit)",
      };
  }
}

export const LOST_FORGOTTEN =
  "the sandbox no longer knows this process (it restarted, was reset or its workspace expired); output up to that point is kept";

export function lostUnreachable(detail: string): string {
  return `the sandbox could not be reached for ${UNREACHABLE_LOST_AFTER_MS / 1000} s (${detail}); the process may have ended without us seeing it`;
}
