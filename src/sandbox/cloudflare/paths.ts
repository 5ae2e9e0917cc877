/**
 * Workspace path rules for the Cloudflare backend: the shared lexical rules run before
 * any SDK call; symlinks can only be seen from inside the container, so callers also
 * resolve the path there (`realpath`) and check the result with `isInsideWorkspace`.
 */
export {
  isInsideWorkspace,
  outsideWorkspace as outside,
  shellQuote,
  toWorkspacePath,
  WORKSPACE_ROOT,
} from "../../shared/workspace-path.ts";

/** Splits an absolute path into its parent directory and last segment. */
export function splitPath(absolute: string): { parent: string; name: string } {
  const i = absolute.lastIndexOf("/");
  return { parent: i <= 0 ? "/" : absolute.slice(0, i), name: absolute.slice(i + 1) };
}
