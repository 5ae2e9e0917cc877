/**
 * Workspace file operations done by the host itself (no sandbox round trip). Every path
 * goes through `resolveConfined`; files are opened with O_NOFOLLOW and the opened fd's
 * real path is checked again, so a symlink swapped in by sandboxed code between the
 * check and the open cannot redirect a host write outside the workspace.
 */
import { constants, type Stats } from "node:fs";
import { chown, lstat, mkdir, open, readdir, readlink, rm, stat } from "node:fs/promises";
import { AppError } from "../../../src/errors/app-error.ts";
import type { FileEntry, FileStat } from "../../../src/shared/sandbox-schema.ts";
import { assertWithin, resolveConfined, WORKSPACE_PREFIX } from "./paths.ts";

export interface FileOpsOptions {
  maxFileSizeBytes: number;
  /** chown target for created files when the host runs as root. */
  owner: { uid: number; gid: number } | null;
}

const LIST_LIMIT = 10_000;

function notFound(path: string): AppError {
  return new AppError("FILE_NOT_FOUND", `no such file or directory: ${path}`, {
    suggestion: "Check the path with list_files.",
  });
}

function mapFsError(e: unknown, path: string): never {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") throw notFound(path);
  if (code === "ELOOP") {
    throw new AppError("PATH_OUTSIDE_WORKSPACE", `${path} is a symbolic link that cannot be followed`, {
      suggestion: "Use the link's target path instead.",
    });
  }
  if (code === "EISDIR") throw new AppError("NOT_A_FILE", `${path} is a directory`);
  if (code === "ENOTDIR") throw new AppError("NOT_A_DIRECTORY", `a parent of ${path} is not a directory`);
  throw e;
}

function entryType(st: Stats): FileEntry["type"] {
  if (st.isSymbolicLink()) return "symlink";
  if (st.isDirectory()) return "directory";
  if (st.isFile()) return "file";
  return "other";
}

function toEntry(workspacePath: string, st: Stats): FileEntry {
  return {
    path: workspacePath,
    type: entryType(st),
    size: st.isDirectory() ? 0 : st.size,
    modifiedAt: st.mtime.toISOString(),
  };
}

export class WorkspaceFiles {
  readonly #opts: FileOpsOptions;

  constructor(options: FileOpsOptions) {
    this.#opts = options;
  }

  async read(wsDir: string, path: string): Promise<Uint8Array> {
    const p = await resolveConfined(wsDir, path);
    const fh = await open(p.real, constants.O_RDONLY | constants.O_NOFOLLOW).catch((e) =>
      mapFsError(e, p.workspace),
    );
    try {
      await assertWithin(wsDir, await readlink(`/proc/self/fd/${fh.fd}`), path);
      const st = await fh.stat();
      if (st.isDirectory()) throw new AppError("NOT_A_FILE", `${p.workspace} is a directory`);
      if (st.size > this.#opts.maxFileSizeBytes) {
        throw new AppError("FILE_TOO_LARGE", `${p.workspace} is ${st.size} bytes, over the read limit`, {
          suggestion: "Read part of it with a shell command such as head or tail.",
        });
      }
      return new Uint8Array(await fh.readFile());
    } finally {
      await fh.close();
    }
  }

  async write(wsDir: string, path: string, data: Uint8Array): Promise<void> {
    if (data.byteLength > this.#opts.maxFileSizeBytes) {
      throw new AppError("FILE_TOO_LARGE", `file of ${data.byteLength} bytes exceeds the limit`);
    }
    const p = await resolveConfined(wsDir, path);
    if (p.relative === "") throw new AppError("NOT_A_FILE", "/workspace is a directory");
    const parent = p.workspace.slice(0, p.workspace.lastIndexOf("/")) || WORKSPACE_PREFIX;
    await this.mkdir(wsDir, parent);
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW;
    const fh = await open(p.real, flags, 0o644).catch((e) => mapFsError(e, p.workspace));
    try {
      await assertWithin(wsDir, await readlink(`/proc/self/fd/${fh.fd}`), path);
      const st = await fh.stat();
      if (!st.isFile()) throw new AppError("NOT_A_FILE", `${p.workspace} is not a regular file`);
      await fh.truncate(0);
      await fh.writeFile(data);
      if (this.#opts.owner) await fh.chown(this.#opts.owner.uid, this.#opts.owner.gid);
    } finally {
      await fh.close();
    }
  }

  async mkdir(wsDir: string, path: string): Promise<void> {
    const p = await resolveConfined(wsDir, path);
    if (p.exists) {
      const st = await stat(p.real);
      if (!st.isDirectory())
        throw new AppError("NOT_A_DIRECTORY", `${p.workspace} exists and is not a directory`);
      return;
    }
    // Create one level at a time so each new directory can be handed to the sandbox user.
    const parts = p.relative.split("/");
    for (let i = 1; i <= parts.length; i++) {
      const step = await resolveConfined(wsDir, parts.slice(0, i).join("/"));
      if (step.exists) continue;
      await mkdir(step.real).catch((e) => {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") mapFsError(e, step.workspace);
      });
      if (this.#opts.owner) await chown(step.real, this.#opts.owner.uid, this.#opts.owner.gid);
    }
  }

  async delete(wsDir: string, path: string): Promise<void> {
    const p = await resolveConfined(wsDir, path, { followFinal: false });
    if (p.relative === "") {
      throw new AppError("INVALID_PATH", "cannot delete /workspace itself", {
        suggestion: "Delete its entries, or reset the workspace.",
      });
    }
    await lstat(p.real).catch((e) => mapFsError(e, p.workspace));
    await rm(p.real, { recursive: true, force: true });
  }

  async stat(wsDir: string, path: string): Promise<FileStat | null> {
    const p = await resolveConfined(wsDir, path);
    if (!p.exists) return null;
    const st = await stat(p.real).catch(() => null);
    return st ? toEntry(p.workspace, st) : null;
  }

  async list(wsDir: string, path: string, recursive: boolean): Promise<FileEntry[]> {
    const p = await resolveConfined(wsDir, path);
    if (!p.exists) throw notFound(p.workspace);
    const st = await stat(p.real);
    if (!st.isDirectory()) throw new AppError("NOT_A_DIRECTORY", `${p.workspace} is not a directory`);
    const out: FileEntry[] = [];
    const walk = async (hostDir: string, wsPath: string): Promise<void> => {
      const names = (await readdir(hostDir).catch(() => [] as string[])).sort();
      for (const name of names) {
        if (out.length >= LIST_LIMIT) return;
        const child = `${hostDir}/${name}`;
        const childWs = `${wsPath}/${name}`;
        const cst = await lstat(child).catch(() => null);
        if (!cst) continue;
        out.push(toEntry(childWs, cst));
        // lstat: symlinked directories are listed, never descended into
        if (recursive && cst.isDirectory()) await walk(child, childWs);
      }
    };
    await walk(p.real, p.workspace === WORKSPACE_PREFIX ? WORKSPACE_PREFIX : p.workspace);
    return out;
  }
}
