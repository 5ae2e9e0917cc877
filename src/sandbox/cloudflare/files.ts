/**
 * Workspace file operations for the Cloudflare backend. Every path is first checked
 * lexically (`toWorkspacePath`), then resolved inside the container with `realpath`,
 * because a symlink under /workspace may point anywhere. Operations that act on a link
 * itself (delete, stat) resolve only the parent directory.
 */

import { AppError } from "../../errors/app-error.ts";
import { fromBase64, toBase64 } from "../../shared/encoding.ts";
import type { FileEntry, FileStat } from "../backend.ts";
import { bounded } from "./deadline.ts";
import { sdkCodeOf, toAppError } from "./errors.ts";
import {
  isInsideWorkspace,
  outside,
  shellQuote,
  splitPath,
  toWorkspacePath,
  WORKSPACE_ROOT,
} from "./paths.ts";
import type { AdapterSettings, SandboxApi } from "./types.ts";

export class WorkspaceFiles {
  readonly #sandbox: SandboxApi;
  readonly #settings: AdapterSettings;

  constructor(sandbox: SandboxApi, settings: AdapterSettings) {
    this.#sandbox = sandbox;
    this.#settings = settings;
  }

  async read(path: string): Promise<Uint8Array> {
    const target = await this.resolve(path);
    try {
      const file = await this.#call(
        `read "${target}"`,
        this.#sandbox.readFile(target, { encoding: "base64" }),
      );
      return decodeContainerBase64(file.content);
    } catch (error) {
      // The container reports a directory as "not found"; say what it really is.
      if (isNotFound(error) && (await this.#call("check a path", this.#sandbox.exists(target))).exists) {
        throw new AppError("NOT_A_FILE", `"${target}" is a directory, not a file.`);
      }
      throw error;
    }
  }

  async write(path: string, data: Uint8Array): Promise<void> {
    const target = await this.resolve(path);
    if (target === WORKSPACE_ROOT) throw new AppError("NOT_A_FILE", "The workspace root is a directory.");
    await this.#call(
      `write "${target}"`,
      this.#sandbox.writeFile(target, toBase64(data), { encoding: "base64" }),
    );
  }

  async list(path: string, recursive: boolean): Promise<FileEntry[]> {
    const target = await this.resolve(path);
    const listing = await this.#call(
      `list "${target}"`,
      this.#sandbox.listFiles(target, { recursive, includeHidden: true }),
    );
    return listing.files.map((f) => ({
      path: f.absolutePath,
      type: f.type,
      size: f.size,
      modifiedAt: new Date(f.modifiedAt).toISOString(),
    }));
  }

  async delete(path: string): Promise<void> {
    const target = await this.resolveParent(path);
    if (target === WORKSPACE_ROOT)
      throw new AppError("INVALID_PATH", "The workspace root cannot be deleted.");
    try {
      await this.#call(`delete "${target}"`, this.#sandbox.deleteFile(target));
    } catch (error) {
      // deleteFile refuses directories; remove those (and their contents) with rm.
      if (!(error instanceof AppError) || error.code !== "NOT_A_FILE") throw error;
      const rm = await this.#exec(`rm -rf -- ${shellQuote(target)}`, `delete "${target}"`);
      if (rm.exitCode !== 0)
        throw new AppError("INVALID_PATH", `Could not delete "${target}": ${rm.stderr.trim()}`);
    }
  }

  async mkdir(path: string): Promise<void> {
    const target = await this.resolve(path);
    await this.#call(`create directory "${target}"`, this.#sandbox.mkdir(target, { recursive: true }));
  }

  async stat(path: string): Promise<FileStat | null> {
    const target = await this.resolveParent(path);
    const r = await this.#exec(`stat -c '%F|%s|%Y' -- ${shellQuote(target)}`, `stat "${target}"`);
    if (r.exitCode !== 0) return null;
    const [kind = "", size = "0", mtime = "0"] = r.stdout.trim().split("|");
    return {
      path: target,
      type: kind.includes("directory")
        ? "directory"
        : kind.includes("symbolic link")
          ? "symlink"
          : kind.includes("regular")
            ? "file"
            : "other",
      size: Number(size),
      modifiedAt: new Date(Number(mtime) * 1000).toISOString(),
    };
  }

  /** Normalizes `path` and resolves symlinks in the container; rejects escapes. */
  async resolve(path: string): Promise<string> {
    const absolute = toWorkspacePath(path);
    const real = await this.#realpath(absolute);
    if (!isInsideWorkspace(real)) throw outside(path);
    return real;
  }

  /** Like `resolve`, but leaves the last segment alone (acts on a link, not its target). */
  async resolveParent(path: string): Promise<string> {
    const absolute = toWorkspacePath(path);
    if (absolute === WORKSPACE_ROOT) return absolute;
    const { parent, name } = splitPath(absolute);
    const real = await this.#realpath(parent);
    if (!isInsideWorkspace(real)) throw outside(path);
    return `${real}/${name}`;
  }

  async #realpath(absolute: string): Promise<string> {
    const r = await this.#exec(`realpath -m -- ${shellQuote(absolute)}`, `resolve "${absolute}"`);
    const resolved = r.stdout.trim();
    if (r.exitCode !== 0 || !resolved.startsWith("/")) {
      throw new AppError(
        "INVALID_PATH",
        `Could not resolve "${absolute}": ${r.stderr.trim() || "realpath failed"}`,
      );
    }
    return resolved;
  }

  async #exec(command: string, what: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    return this.#call(what, this.#sandbox.exec(command, { cwd: WORKSPACE_ROOT, origin: "internal" }));
  }

  async #call<T>(what: string, p: Promise<T>): Promise<T> {
    try {
      return await bounded(what, p, this.#settings.callTimeoutMs);
    } catch (error) {
      throw toAppError(error, what);
    }
  }
}

function isNotFound(error: unknown): boolean {
  return (
    (error instanceof AppError && error.code === "FILE_NOT_FOUND") || sdkCodeOf(error) === "FILE_NOT_FOUND"
  );
}

/** The SDK hands binary files over as base64; anything else means the container misbehaved. */
function decodeContainerBase64(b64: string): Uint8Array {
  const bytes = fromBase64(b64);
  if (!bytes)
    throw new AppError("SANDBOX_UNAVAILABLE", "The sandbox returned a file in an unreadable encoding.");
  return bytes;
}
