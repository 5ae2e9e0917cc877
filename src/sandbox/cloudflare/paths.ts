/**
 * Workspace path rules for the Cloudflare backend. The lexical check here runs before
 * any SDK call; symlinks can only be seen from inside the container, so callers also
 * resolve the path there (`realpath`) and check the result with `isInsideWorkspace`.
 */
import { AppError } from "../../errors/app-error.ts";

export const WORKSPACE_ROOT = "/workspace";

export function isInsideWorkspace(absolute: string): boolean {
  return absolute === WORKSPACE_ROOT || absolute.startsWith(`${WORKSPACE_ROOT}/`);
}

/**
 * Turns a workspace path (relative to /workspace, or absolute under it) into a
 * normalized absolute path, rejecting anything that would leave the workspace.
 *
 * @example toWorkspacePath("data/../a.csv") === "/workspace/a.csv"
 */
export function toWorkspacePath(input: string): string {
  if (input.includes("\0")) throw new AppError("INVALID_PATH", "Paths must not contain NUL bytes.");
  const absolute = input.startsWith("/") ? input : `${WORKSPACE_ROOT}/${input}`;
  const parts: string[] = [];
  for (const segment of absolute.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (parts.pop() === undefined) throw outside(input);
      continue;
    }
    parts.push(segment);
  }
  const normalized = `/${parts.join("/")}`;
  if (!isInsideWorkspace(normalized)) throw outside(input);
  return normalized;
}

export function outside(input: string): AppError {
  return new AppError("PATH_OUTSIDE_WORKSPACE", `Path "${input}" is outside the workspace.`, {
    suggestion: `Use a path relative to ${WORKSPACE_ROOT} or an absolute path under it.`,
  });
}

/** Splits an absolute path into its parent directory and last segment. */
export function splitPath(absolute: string): { parent: string; name: string } {
  const i = absolute.lastIndexOf("/");
  return { parent: i <= 0 ? "/" : absolute.slice(0, i), name: absolute.slice(i + 1) };
}

/** Quotes one argument for bash (single quotes; embedded quotes closed and escaped). */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
