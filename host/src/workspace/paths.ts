/**
 * Confines user-supplied paths to one workspace directory. Accepts `/workspace/...` or
 * relative paths; rejects other absolute paths, `..` escapes, and symlinks whose real
 * path leaves the workspace (sandboxed code can plant those).
 */
import { realpath } from "node:fs/promises";
import { sep } from "node:path";
import { outsideWorkspace, toWorkspacePath, WORKSPACE_ROOT } from "../../../src/shared/workspace-path.ts";

export const WORKSPACE_PREFIX = WORKSPACE_ROOT;

export interface ResolvedPath {
  /** Absolute path on the host. */
  host: string;
  /** Normalised path as the sandbox sees it, e.g. `/workspace/a/b.txt`. */
  workspace: string;
  /** Path relative to the workspace root ("" for the root itself). */
  relative: string;
}

/** Lexical part: normalises the path and rejects escapes, without touching the disk. */
export function lexicalResolve(wsDir: string, input: string): ResolvedPath {
  const workspace = toWorkspacePath(input);
  const relative = workspace.slice(WORKSPACE_PREFIX.length + 1);
  return {
    host: relative === "" ? wsDir : `${wsDir}${sep}${relative.split("/").join(sep)}`,
    workspace,
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
  if (!isWithin(root, real)) throw outsideWorkspace(input);
  if (!options.followFinal && parts.length > 0) {
    real = `${real}${sep}${parts[parts.length - 1]}`;
  }
  return { ...lexical, real, exists };
}

/** Checks a path obtained from an open fd (via /proc/self/fd) against the workspace. */
export async function assertWithin(wsDir: string, actual: string, input: string): Promise<void> {
  const root = await realpath(wsDir);
  if (!isWithin(root, actual)) throw outsideWorkspace(input);
}
