/**
 * What survives what, per backend: the table workspace_info shows and the README repeats.
 * Events: idle sleep, sandbox restart (crash, host restart), redeploy, reset, expiry.
 */
import type { SurvivalRow, WorkspaceDurability } from "./backend.ts";

const RESET: SurvivalRow = {
  event: "reset_workspace",
  files: "deleted (saved copies too)",
  memory: "reset",
};
const EXPIRY: SurvivalRow = {
  event: "expiry (unnamed workspace idle for WORKSPACE_IDLE_TTL_SECONDS)",
  files: "deleted (saved copies too)",
  memory: "reset",
};

/** The local sandbox host keeps files on its disk; interpreters live in its processes. */
export function localDurability(): WorkspaceDurability {
  return {
    filesPersist: true,
    note:
      "Files under /workspace stay on the sandbox host's disk until the workspace expires or is reset. " +
      "Interpreter memory (variables) lives in the host's processes: an idle context is stopped, and a " +
      "host restart ends them all; the next run then says context_reset and workspace_restored.",
    survives: [
      { event: "idle interpreter (stopped after a while)", files: "kept", memory: "reset" },
      { event: "sandbox host restart", files: "kept", memory: "reset" },
      { event: "Worker redeploy", files: "kept", memory: "kept" },
      RESET,
      EXPIRY,
    ],
  };
}

/** Cloudflare containers lose their disk when they stop; saves to R2 bring files back. */
export function cloudflareDurability(sleepAfter: string | number, backups: boolean): WorkspaceDurability {
  const idle = `${String(sleepAfter)}${typeof sleepAfter === "number" ? " s" : ""}`;
  if (!backups) {
    return {
      filesPersist: false,
      note:
        `Files in /workspace, running processes and interpreter state live in a container that sleeps after ${idle} ` +
        "without activity (and restarts on deploys); its files are then lost. Save anything important elsewhere.",
      survives: [
        { event: `idle sleep (after ${idle})`, files: "lost", memory: "reset" },
        { event: "container restart or crash", files: "lost", memory: "reset" },
        { event: "Worker redeploy", files: "lost", memory: "reset" },
        RESET,
        EXPIRY,
      ],
    };
  }
  return {
    filesPersist: true,
    note:
      `The container sleeps after ${idle} without activity; /workspace is saved first and restored when it ` +
      "starts again (the first run then says workspace_restored), but interpreter memory and running " +
      "processes are reset. Saves also happen when a task ends and on save_workspace; a crash or redeploy " +
      "brings back the last save. .outputs/ and patterns in /workspace/.workspaceignore are not saved.",
    survives: [
      { event: `idle sleep (after ${idle})`, files: "saved, then restored", memory: "reset" },
      { event: "container restart or crash", files: "restored from the last save", memory: "reset" },
      { event: "Worker redeploy", files: "restored from the last save", memory: "reset" },
      RESET,
      EXPIRY,
    ],
  };
}
