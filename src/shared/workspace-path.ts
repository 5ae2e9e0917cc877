/**
 * Workspace path rules shared by every backend. A workspace path is relative to
 * /workspace or absolute under it; this lexical check runs before anything touches a
 * filesystem. Symlinks can only be seen from inside, so backends also resolve the real
 * path there and check it with `isInsideWorkspace`.
 */
import { AppError } from "../errors/app-error.ts";

export const WORKSPACE_ROOT = "/workspace";

export function isInsideWorkspace(absolute: string): boolean {
  return absolute === WORKSPACE_ROOT || absolute.startsWith(`${WORKSPACE_ROOT}/`);
}

export function outsideWorkspace(input: string): AppError {
  return new AppError("PATH_OUTSIDE_WORKSPACE", `Path "${input}" is outside the workspace.`, {
    suggestion: `Use a path relative to ${WORKSPACE_ROOT} or an absolute path under it.`,
  });
}

/**
 * Normalizes a workspace path to an absolute one, rejecting anything that would leave
 * the workspace.
 *
 * @example toWorkspacePath("data/../a.csv") === "/workspace/a.csv"
 */
export function toWorkspacePath(input: string): string {
  if (input.includes("\0")) {
    throw new AppError("INVALID_PATH", "Paths must not contain NUL bytes.", {
      suggestion: "Remove the NUL byte.",
    });
  }
  const absolute = input.startsWith("/") ? input : `${WORKSPACE_ROOT}/${input}`;
  const parts: string[] = [];
  for (const segment of absolute.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (parts.pop() === undefined) throw outsideWorkspace(input);
      continue;
    }
    parts.push(segment);
  }
  const normalized = `/${parts.join("/")}`;
  if (!isInsideWorkspace(normalized)) throw outsideWorkspace(input);
  return normalized;
}

/** Quotes one argument for bash (single quotes; embedded quotes closed and escaped). */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
