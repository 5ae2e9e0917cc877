/**
 * One directory per workspace under the host root. Workspace ids are validated here,
 * and the directory name is an HMAC of the id under a host key, so it cannot be derived
 * from public inputs (a workspace id is derived from the principal and its name).
 *
 * The host creates and owns-over only the workspace directory itself, a direct child
 * of its private root that the sandbox cannot replace; everything below it is touched
 * only from inside the sandbox (`WorkspaceFiles`).
 */
import { createHmac } from "node:crypto";
import { chmod, chown, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { AppError } from "../../../src/errors/app-error.ts";
import { WorkspaceId } from "../../../src/shared/host-api.ts";

/** Directory name of workspace `id` under `key` (the data root's `.workspace-key`). */
export function workspaceDirName(key: string, id: string): string {
  return `w-${createHmac("sha256", key).update(`workspace-dir:${id}`).digest("hex").slice(0, 40)}`;
}

export class Workspaces {
  readonly root: string;
  readonly #owner: { uid: number; gid: number } | null;
  readonly #key: string;

  readonly #onCreated: (dir: string) => Promise<void>;
  /** The path the host creates and owns a workspace directory through (the view's overlay). */
  readonly #reach: (dir: string) => string;

  constructor(
    root: string,
    owner: { uid: number; gid: number } | null,
    key: string,
    onCreated: (dir: string) => Promise<void> = async () => undefined,
    reach: (dir: string) => string = (dir) => dir,
  ) {
    this.root = root;
    this.#owner = owner;
    this.#key = key;
    this.#onCreated = onCreated;
    this.#reach = reach;
  }

  /** Host directory of workspace `id` (validated, not created). */
  dir(id: string): string {
    if (!WorkspaceId.safeParse(id).success) {
      throw new AppError("INVALID_WORKSPACE_NAME", `invalid workspace id ${JSON.stringify(id)}`, {
        suggestion: "Use 1-64 characters of a-z, 0-9 and '-'.",
      });
    }
    return join(this.root, workspaceDirName(this.#key, id));
  }

  /** Creates the workspace directory if needed and returns it. */
  async ensure(id: string): Promise<string> {
    const dir = this.dir(id);
    const path = this.#reach(dir);
    // mkdir without `recursive` on a direct child of our own 0700 root: nothing to follow
    const created = await mkdir(path, { mode: 0o700 }).then(
      () => true,
      (e: NodeJS.ErrnoException) => {
        if (e.code !== "EEXIST") throw e;
        return false;
      },
    );
    if (this.#owner) {
      await chown(path, this.#owner.uid, this.#owner.gid);
      await chmod(path, 0o755);
    }
    if (created) await this.#onCreated(dir);
    return dir;
  }
}
