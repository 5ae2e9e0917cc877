/**
 * Command wrapping for the container. The SDK does not kill a timed-out foreground
 * command (it only stops waiting, and the session can stay wedged: sandbox-sdk #438),
 * so every user command runs under coreutils `timeout`, which signals the whole process
 * group, then SIGKILLs it after a grace period. `--verbose` makes `timeout` print a
 * line when it fires; that line is how a timeout is told apart from a command that
 * merely exits 124 itself, and it is removed from the output shown to the user.
 */
import { shellQuote } from "./paths.ts";

export const KILL_GRACE_SECONDS = 2;
const TIMEOUT_EXIT_CODES = new Set([124, 137]);
// Anchored at the end: the notice follows whatever the command wrote, newline or not.
const TRAILING_NOTICE = /timeout: sending signal [A-Z0-9]+ to command [^\n]*\n?$/;

export function wrapWithTimeout(command: string, timeoutMs: number): string {
  const seconds = (Math.max(1, timeoutMs) / 1000).toFixed(3);
  return `timeout --verbose -k ${KILL_GRACE_SECONDS} ${seconds}s bash -c ${shellQuote(command)}`;
}

/** Removes the trailing `timeout --verbose` notices; reports whether there were any. */
export function stripTimeoutNotice(stderr: string): { stderr: string; fired: boolean } {
  let rest = stderr;
  let fired = false;
  for (let m = TRAILING_NOTICE.exec(rest); m !== null; m = TRAILING_NOTICE.exec(rest)) {
    rest = rest.slice(0, m.index);
    fired = true;
  }
  return { stderr: rest, fired };
}

export function isTimeoutExit(exitCode: number | null | undefined, fired: boolean): boolean {
  return fired && exitCode !== null && exitCode !== undefined && TIMEOUT_EXIT_CODES.has(exitCode);
}
