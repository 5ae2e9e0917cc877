/**
 * The per-workspace disk quota for code. File tools check it inside the file server
 * before writing; code is measured while it runs and once after, and stopped when over.
 *
 * Measuring means walking the workspace inside the sandbox (the host never walks it
 * itself), which costs a file-server call. Most checks avoid it: the data root's free
 * space can only have dropped by at least what the workspace grew, so while
 * `last usage + drop in free space` stays within the quota no walk is needed. Other
 * writers on the same filesystem only make this bound more cautious, never wrong.
 */
import { statfs } from "node:fs/promises";
import { AppError } from "../../../src/errors/app-error.ts";
import type { WorkspaceFiles } from "./files.ts";

interface Known {
  used: number;
  /** Free bytes of the data root's filesystem when `used` was measured. */
  free: number;
}

const MiB = 1024 * 1024;

export class DiskQuota {
  readonly quotaBytes: number;
  readonly #files: WorkspaceFiles;
  readonly #root: string;
  readonly #known = new Map<string, Known>();

  constructor(files: WorkspaceFiles, root: string, quotaBytes: number) {
    this.#files = files;
    this.#root = root;
    this.quotaBytes = quotaBytes;
  }

  async #free(): Promise<number> {
    const s = await statfs(this.#root);
    return s.bavail * s.bsize;
  }

  /** Records that `wsDir` was just created empty (no walk needed for its first check). */
  async created(wsDir: string): Promise<void> {
    this.#known.set(wsDir, { used: 0, free: await this.#free() });
  }

  /** Bytes in use when over the quota, else null. */
  async over(wsDir: string): Promise<number | null> {
    const free = await this.#free();
    const known = this.#known.get(wsDir);
    if (known && known.used + Math.max(0, known.free - free) <= this.quotaBytes) return null;
    const used = await this.#files.usage(wsDir);
    this.#known.set(wsDir, { used, free });
    return used > this.quotaBytes ? used : null;
  }

  /** Throws DISK_QUOTA when the workspace is over its quota. */
  async assertWithin(wsDir: string, what: string): Promise<void> {
    const used = await this.over(wsDir);
    if (used !== null) throw this.error(used, what);
  }

  error(used: number, what: string): AppError {
    return new AppError(
      "DISK_QUOTA",
      `the workspace uses ${(used / MiB).toFixed(1)} MiB, over its disk quota of ${(this.quotaBytes / MiB).toFixed(0)} MiB; ${what}`,
      { suggestion: "Delete files you no longer need (delete_file or rm), then run again." },
    );
  }

  /** Checks every `intervalMs` while work runs; calls `onOver` once when over. */
  watch(wsDir: string, onOver: (used: number) => void, intervalMs = 2_000): () => void {
    let stopped = false;
    let checking = false;
    const timer = setInterval(() => {
      if (stopped || checking) return;
      checking = true;
      this.over(wsDir)
        .then((used) => {
          if (used !== null && !stopped) {
            stopped = true;
            clearInterval(timer);
            onOver(used);
          }
        })
        .catch(() => undefined)
        .finally(() => {
          checking = false;
        });
    }, intervalMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }
}
