/**
 * The local host's side of "the model is told": after the host restarts, the first run
 * (exec or code) in a workspace whose interpreter contexts died with the old host process
 * carries `workspaceRestored`, the same notice a Cloudflare container gives after a
 * restore: files were kept (they never left the disk), memory was reset. Once per
 * workspace per host process; a workspace with no context alive before has lost nothing.
 */
import { stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { WorkspaceRestored } from "../../../src/shared/sandbox-schema.ts";
import type { WorkspaceFiles } from "../workspace/files.ts";

const LANGUAGES = ["python", "javascript"] as const;

export class RestartNotices {
  readonly #startedAt = Date.now();
  readonly #markerDir: string;
  readonly #files: WorkspaceFiles;
  /** Workspaces already looked at by this host process. */
  readonly #seen = new Set<string>();

  /** `markerDir`: the contexts' "a context was alive" markers (see contexts.ts). */
  constructor(markerDir: string, files: WorkspaceFiles) {
    this.#markerDir = markerDir;
    this.#files = files;
  }

  /**
   * Call before a run starts (a run rewrites the markers): whether this is the first run
   * since a restart that ended this workspace's contexts. Resolves to the notice or null.
   */
  async firstRunAfterRestart(ws: string, wsDir: string): Promise<WorkspaceRestored | null> {
    if (this.#seen.has(ws)) return null;
    this.#seen.add(ws);
    const lost = await Promise.all(
      LANGUAGES.map((l) =>
        stat(join(this.#markerDir, `${basename(wsDir)}.${l}`)).then(
          (s) => s.mtimeMs < this.#startedAt,
          () => false,
        ),
      ),
    );
    if (!lost.includes(true)) return null;
    const { files, bytes } = await this.#files.count(wsDir);
    const at = new Date(this.#startedAt).toISOString();
    return {
      at,
      files,
      bytes,
      saved_at: null,
      memory_reset: true,
      note: `The sandbox host restarted at ${at}. Files under /workspace were kept on its disk; interpreter memory (variables, imports) and running processes were reset.`,
    };
  }
}
