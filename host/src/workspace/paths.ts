/**
 * Confines user-supplied paths to one workspace directory. Accepts `/workspace/...` or
 * relative paths; rejects other absolute paths, `..` escapes, and symlinks whose real
 * path leaves the workspace (sandboxed code can plant those).
 */
import { realpath } from "node:fs/promises";
import { posix, sep } from "node:path";
import { AppError } from "../../../src/errors/app-error.ts";

export const WORKSPACE_PREFIX = "/workspace";

export interface ResolvedPath {
  /** Absolute path on the host. */
  host: string;
  /** Normalised path as the sandbox sees it, e.g. `/workspace/a/b.txt`. */
  workspace: string;
  /** Path relative to the workspace root ("" for the root itself). */
  relative: string;
}

function outside(input: string): AppError {
  return new AppError("PATH_OUTSIDE_WORKSPACE", `path ${JSON.stringify(input)} is outside /workspace`, {
    suggestion: "Use a path relative to /workspace or starting with /workspace/.",
  });
}

/** Lexical part: normalises the path and rejects escapes, without touching the disk. */
export function lexicalResolve(wsDir: string, input: string): ResolvedPath {
  if (input.includes("\0")) {
    throw new AppError("INVALID_PATH", "path contains a NUL byte", { suggestion: "Remove the NUL byte." });
  }
  let rel: string;
  if (input === WORKSPACE_PREFIX || input.startsWith(`${WORKSPACE_PREFIX}/`)) {
    rel = input.slice(WORKSPACE_PREFIX.length);
  } else if (input.startsWith("/")) {
    throw outside(input);
  } else {
    rel = input;
  }
  const segments = rel.split("/").filter((s) => s !== "" && s !== ".");
  const kept: string[] = [];
  for (const s of segments) {
    if (s === "..") {
      if (kept.length === 0) throw outside(input);
      kept.pop();
    } else {
      kept.push(s);
    }
  }
  const relative = kept.join("/");
  return {
    host: relative === "" ? wsDir : `${wsDir}${sep}${kept.join(sep)}`,
    workspace: relative === "" ? WORKSPACE_PREFIX : posix.join(WORKSPACE_PREFIX, relative),
    relative,
  };
}

function isWithin(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root + sep);
}

/**
 * Resolves `input` and checks that its real location (following symlinks) stays inside
 * the workspace. For paths that do not exist yet, the deepest existing ancestor is
 * checked. With `followFinal: false` the last component itself is not followed, so a
 * symlink can be deleted without touching its target.
 */
export async function resolveConfined(
  wsDir: string,
  input: string,
  options: { followFinal: boolean } = { followFinal: true },
): Promise<ResolvedPath & { real: string; exists: boolean }> {
  const lexical = lexicalResolve(wsDir, input);
  const root = await realpath(wsDir);
  const parts = lexical.relative === "" ? [] : lexical.relative.split("/");
  const toCheck = options.followFinal || parts.length === 0 ? parts : parts.slice(0, -1);
  let real = root;
  let exists = true;
  for (let i = toCheck.length; i >= 0; i--) {
    const candidate = i === 0 ? wsDir : `${wsDir}${sep}${toCheck.slice(0, i).join(sep)}`;
    try {
      const r = await realpath(candidate);
      const rest = toCheck.slice(i);
      real = rest.length === 0 ? r : `${r}${sep}${rest.join(sep)}`;
      exists = rest.length === 0;
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw e;
    }
  }
  if (!isWithin(root, real)) throw outside(input);
  if (!options.followFinal && parts.length > 0) {
    real = `${real}${sep}${parts[parts.length - 1]}`;
  }
  return { ...lexical, real, exists };
}

/** Checks a path obtained from an open fd (via /proc/self/fd) against the workspace. */
export async function assertWithin(wsDir: string, actual: string, input: string): Promise<void> {
  const root = await realpath(wsDir);
  if (!isWithin(root, actual)) throw outside(input);
}
