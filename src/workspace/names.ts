/**
 * Workspace naming. A workspace is identified by (principal, name); the Durable Object
 * name and the sandbox id are derived from both, so names never collide across
 * principals and no principal can address another's workspace.
 */
import { AppError } from "../errors/app-error.ts";
import { toHex } from "../shared/encoding.ts";

export const WORKSPACE_NAME = /^[a-z0-9-]{1,63}$/;

export function validateWorkspaceName(name: string): string {
  if (!WORKSPACE_NAME.test(name)) {
    throw new AppError(
      "INVALID_WORKSPACE_NAME",
      `Invalid workspace name "${name.slice(0, 80)}": use 1–63 lowercase letters, digits or "-".`,
      { suggestion: "For example ?workspace=my-project" },
    );
  }
  return name;
}

/** Key of the workspace Durable Object. Unnamed workspaces start with "~". */
export function workspaceKey(principal: string, name: string): string {
  return `${principal}/${name}`;
}

/** Sandbox id for a workspace: 32 hex chars of SHA-256 over the key, prefixed. */
export async function sandboxId(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`sandbox:${key}`));
  return `w${toHex(digest).slice(0, 32)}`;
}

/** A fresh name for a session's own workspace. */
export function unnamedWorkspaceName(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `~${toHex(bytes)}`;
}
