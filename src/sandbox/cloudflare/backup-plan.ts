/**
 * What a workspace save holds, worked out without the SDK (unit-tested in Node): the
 * settings, the exclude patterns (always `.outputs`, the WORKSPACE_BACKUP_EXCLUDES setting
 * and `/workspace/.workspaceignore`), and the shell command that measures a workspace.
 */
import { WORKSPACE_ROOT } from "./paths.ts";

/** The vars the backups read from the Worker env (the bucket binding: sandbox-do.ts). */
export interface BackupEnv {
  WORKSPACE_BACKUP_MAX_BYTES?: string;
  WORKSPACE_BACKUP_EXCLUDES?: string;
}

export const DEFAULT_BACKUP_MAX_BYTES = 2 * 1024 ** 3;
/** Excluded from every save: spill files of capped output are re-creatable and can be large. */
export const ALWAYS_EXCLUDED = [".outputs"];
/** One pattern per line, in the workspace; `#` starts a comment. */
export const IGNORE_FILE = ".workspaceignore";
const MAX_PATTERNS = 200;
const MAX_PATTERN_LENGTH = 256;
/** Where the SDK keeps a save's objects in the bucket (0.12.10). */
export const backupObjectKeys = (id: string) => [`backups/${id}/data.sqsh`, `backups/${id}/meta.json`];

export function backupMaxBytes(env: BackupEnv): number {
  const n = Number(env.WORKSPACE_BACKUP_MAX_BYTES ?? "");
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_BACKUP_MAX_BYTES;
}

export function settingExcludes(env: BackupEnv): string[] {
  return (env.WORKSPACE_BACKUP_EXCLUDES ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Patterns of a `.workspaceignore` file: blank lines and `#` comments skipped, `/` trimmed. */
export function parseIgnoreFile(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim().replace(/^\/+|\/+$/g, ""))
    .filter((line) => line !== "" && !line.startsWith("#") && !line.includes("\0"))
    .filter((line) => line.length <= MAX_PATTERN_LENGTH)
    .slice(0, MAX_PATTERNS);
}

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * One shell command that measures what a save with `excludes` would hold: prints
 * "<files> <bytes> <fingerprint>", the fingerprint covering every path, type, size and
 * mtime (unchanged fingerprint: nothing to save). A pattern without `/` matches a name
 * anywhere (as the SDK's mksquashfs patterns do), one with `/` a path from the root.
 */
export function measureCommand(excludes: readonly string[], root = WORKSPACE_ROOT): string {
  const prunes = excludes.map((p) =>
    p.includes("/") ? `-path ${shellQuote(`./${p}`)}` : `-name ${shellQuote(p)}`,
  );
  const pruneExpr = prunes.length ? `\\( ${prunes.join(" -o ")} \\) -prune -o ` : "";
  return [
    `cd ${shellQuote(root)} || exit 1`,
    `listing=$(find . -mindepth 1 ${pruneExpr}-printf '%y %s %T@ %P\\n' | LC_ALL=C sort) || exit 1`,
    `counts=$(printf '%s\\n' "$listing" | awk '$1 == "f" {n++; b+=$2} END {printf "%d %d", n, b}')`,
    `sum=$(printf '%s' "$listing" | sha256sum | cut -d' ' -f1)`,
    `echo "$counts $sum"`,
  ].join("\n");
}
