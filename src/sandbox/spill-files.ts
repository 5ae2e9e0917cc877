/**
 * Spill files: the full output of capped runs, saved under /workspace/.outputs. They are
 * pruned by age and by total size, and measured, by a small shell program that runs in
 * the sandbox itself, with the sandbox's own rights: the server never follows or deletes
 * a path the sandboxed code controls. Works the same on every backend.
 */
import type { SandboxBackend, WorkspaceRef } from "./backend.ts";

export interface SpillLimits {
  /** Files older than this are deleted. */
  maxAgeSeconds: number;
  /** Beyond this total the oldest files are deleted first. */
  maxBytes: number;
}

const DIR = "/workspace/.outputs";
const SIZE = `find ${DIR} -xdev -type f -printf '%s\\n' 2>/dev/null | awk '{s+=$1} END {print s+0}'`;

const shellQuote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

/**
 * Bash: prune by age, then oldest-first down to the size budget, never touching the files
 * in `keep` (the run that just spilled must find its output); prints the total left.
 */
function pruneProgram(limits: SpillLimits, keep: string[]): string {
  const minutes = Math.max(1, Math.ceil(limits.maxAgeSeconds / 60));
  const max = Math.max(0, Math.floor(limits.maxBytes));
  return [
    `[ -d ${DIR} ] || { echo 0; exit 0; }`,
    `find ${DIR} -xdev -type f -mmin +${minutes} -delete 2>/dev/null`,
    `total=$(${SIZE})`,
    `if [ "$total" -gt ${max} ]; then`,
    `  find ${DIR} -xdev -type f -printf '%T@ %s %p\\n' | sort -n | while read -r _t size path; do`,
    `    [ "$total" -le ${max} ] && break`,
    ...(keep.length > 0 ? [`    case "$path" in ${keep.map(shellQuote).join("|")}) continue;; esac`] : []),
    `    rm -f -- "$path" && total=$((total - size))`,
    "  done",
    "fi",
    SIZE,
  ].join("\n");
}

const OPTIONS = { timeoutMs: 20_000, outputLimitBytes: 4096 };

const bytesFrom = (stdout: string): number | null => {
  const n = Number(stdout.trim());
  return Number.isFinite(n) && stdout.trim() !== "" ? n : null;
};

/** Prunes the workspace's spill files; returns the bytes they take afterwards (null if unknown). */
export async function pruneSpillFiles(
  sandbox: SandboxBackend,
  ws: WorkspaceRef,
  limits: SpillLimits,
  keep: string[] = [],
): Promise<number | null> {
  const r = await sandbox.exec(ws, pruneProgram(limits, keep), OPTIONS);
  return r.exitCode === 0 ? bytesFrom(r.stdout) : null;
}

/** Bytes the workspace's spill files take (null if the sandbox could not say). */
export async function spillFilesSize(sandbox: SandboxBackend, ws: WorkspaceRef): Promise<number | null> {
  const r = await sandbox.exec(ws, SIZE, OPTIONS);
  return r.exitCode === 0 ? bytesFrom(r.stdout) : null;
}
