/**
 * Workspace file operations. The host normalises paths lexically (no `..` escapes, no
 * other absolute paths) and hands every operation that touches the disk to
 * `SandboxHelper`, which performs it inside the sandbox with the sandbox's rights.
 */
import type { FileEntry, FileStat } from "../../../src/shared/sandbox-schema.ts";
import { lexicalResolve } from "./paths.ts";
import type { SandboxHelper } from "./sandbox-helper.ts";

/** Largest JSON answer of stat and list (10,000 entries stay far below it). */
const JSON_LIMIT = 8 * 1024 * 1024;

export class WorkspaceFiles {
  readonly #helper: SandboxHelper;

  constructor(helper: SandboxHelper) {
    this.#helper = helper;
  }

  async read(wsDir: string, path: string): Promise<Uint8Array> {
    const { relative } = lexicalResolve(wsDir, path);
    const bytes = await this.#helper.run(wsDir, {
      op: "read",
      relative,
      maxOutput: this.#helper.maxFileSizeBytes,
    });
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async write(wsDir: string, path: string, data: Uint8Array): Promise<void> {
    const { relative } = lexicalResolve(wsDir, path);
    await this.#helper.run(wsDir, { op: "write", relative, input: data, maxOutput: 0 });
  }

  /** Copies the first `size` bytes of a host-private file (a capture file) into the workspace. */
  async writeFromFile(wsDir: string, path: string, file: string, size: number): Promise<void> {
    const { relative } = lexicalResolve(wsDir, path);
    await this.#helper.run(wsDir, { op: "write", relative, input: { file, size }, maxOutput: 0 });
  }

  async mkdir(wsDir: string, path: string): Promise<void> {
    const { relative } = lexicalResolve(wsDir, path);
    await this.#helper.run(wsDir, { op: "mkdir", relative, maxOutput: 0 });
  }

  async delete(wsDir: string, path: string): Promise<void> {
    const { relative } = lexicalResolve(wsDir, path);
    await this.#helper.run(wsDir, { op: "delete", relative, maxOutput: 0 });
  }

  async stat(wsDir: string, path: string): Promise<FileStat | null> {
    const { relative } = lexicalResolve(wsDir, path);
    const out = await this.#helper.run(wsDir, { op: "stat", relative, maxOutput: JSON_LIMIT });
    return JSON.parse(out.toString("utf8")) as FileStat | null;
  }

  async list(wsDir: string, path: string, recursive: boolean): Promise<FileEntry[]> {
    const { relative } = lexicalResolve(wsDir, path);
    const out = await this.#helper.run(wsDir, {
      op: "list",
      relative,
      recursive,
      maxOutput: JSON_LIMIT,
    });
    return JSON.parse(out.toString("utf8")) as FileEntry[];
  }

  /** Removes every entry of the workspace (the caller stops its processes first). */
  async wipe(wsDir: string): Promise<void> {
    await this.#helper.run(wsDir, { op: "wipe", maxOutput: 0 });
  }

  /** Checks that `relative` is a directory inside the workspace (a working directory). */
  async assertDirectory(wsDir: string, relative: string): Promise<void> {
    await this.#helper.run(wsDir, { op: "isdir", relative, maxOutput: 0 });
  }

  /** Regular files in the workspace and their total size (walked inside the sandbox). */
  async count(wsDir: string): Promise<{ files: number; bytes: number }> {
    const out = await this.#helper.run(wsDir, { op: "count", maxOutput: 64 });
    const [files, bytes] = out.toString("utf8").split(" ").map(Number);
    return { files: files ?? 0, bytes: bytes ?? 0 };
  }

  /** Bytes the workspace occupies on disk. */
  async usage(wsDir: string): Promise<number> {
    const out = await this.#helper.run(wsDir, { op: "usage", maxOutput: 64 });
    return Number(out.toString("utf8"));
  }
}
