/**
 * Without a workspace name each CLI run gets a fresh workspace, so state left for a
 * later command (an uploaded file, a task) would be out of reach. Commands that leave
 * such state say so on stderr.
 */
import type { GlobalValues } from "./args.ts";
import type { Context } from "./command.ts";

export function warnIfUnnamed(ctx: Context, flags: GlobalValues): void {
  if (flags.workspace !== undefined || (ctx.io.env.CODEMODE_WORKSPACE ?? "") !== "") return;
  ctx.io.stderr(
    "note: no workspace named (--workspace or CODEMODE_WORKSPACE): this command's workspace is not reachable from the next one.\n",
  );
}
