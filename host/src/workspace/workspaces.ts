/**
 * One directory per workspace under the host root. Workspace ids are validated here, so
 * they can never name anything but a direct child of the root.
 */
import { chmod, chown, mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { AppError } from "../../../src/errors/app-error.ts";
import { WorkspaceId } from "../../../src/shared/host-api.ts";

export class Workspaces {
  readonly root: string;
  readonly #owner: { uid: number; gid: number } | null;

  constructor(root: string, owner: { uid: number; gid: number } | null) {
    this.root = root;
    this.#owner = owner;
  }

  /** Host directory of workspace `id` (validated, not created). */
  dir(id: string): string {
    if (!WorkspaceId.safeParse(id).success) {
      throw new AppError("INVALID_WORKSPACE_NAME", `invalid workspace id ${JSON.stringify(id)}`, {
        suggestion: "Use 1-64 characters of a-z, 0-9 and '-'.",
      });
    }
    return join(this.root, id);
  }

  /** Creates the workspace directory if needed and returns it. */
  async ensure(id: string): Promise<string> {
    const dir = this.dir(id);
    await mkdir(dir, { recursive: true });
    await this.#own(dir);
    return dir;
  }

  /** Empties the workspace directory (the caller stops its processes first). */
  async wipe(id: string): Promise<void> {
    const dir = this.dir(id);
    const names = await readdir(dir).catch(() => [] as string[]);
    await Promise.all(names.map((n) => rm(join(dir, n), { recursive: true, force: true })));
    await this.ensure(id);
  }

  /** Creates `/workspace/<relative>` from the host side, owned by the sandbox user. */
  async ensureSubdir(id: string, relative: string): Promise<string> {
    const dir = join(this.dir(id), relative);
    await mkdir(dir, { recursive: true });
    await this.#own(dir);
    return dir;
  }

  async #own(dir: string): Promise<void> {
    if (this.#owner) {
      await chown(dir, this.#owner.uid, this.#owner.gid);
      await chmod(dir, 0o755);
    }
  }
}
