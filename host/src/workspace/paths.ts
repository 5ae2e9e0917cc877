/**
 * Lexical confinement of user-supplied paths to one workspace: accepts `/workspace/...`
 * or relative paths and rejects other absolute paths and `..` escapes, without touching
 * the disk. Symlinks are resolved only inside the sandbox (`sandbox-helper.ts`), where
 * the kernel confines whatever they point to.
 */
import { sep } from "node:path";
import { toWorkspacePath, WORKSPACE_ROOT } from "../../../src/shared/workspace-path.ts";

export const WORKSPACE_PREFIX = WORKSPACE_ROOT;

export interface ResolvedPath {
  /** Absolute path on the host (for messages and the unsafe mode only). */
  host: string;
  /** Normalised path as the sandbox sees it, e.g. `/workspace/a/b.txt`. */
  workspace: string;
  /** Path relative to the workspace root ("" for the root itself). */
  relative: string;
}

export function lexicalResolve(wsDir: string, input: string): ResolvedPath {
  const workspace = toWorkspacePath(input);
  const relative = workspace.slice(WORKSPACE_PREFIX.length + 1);
  return {
    host: relative === "" ? wsDir : `${wsDir}${sep}${relative.split("/").join(sep)}`,
    workspace,
    relative,
  };
}
