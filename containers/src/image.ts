/**
 * The container "image": the server's files, Bun and Node staged in a world-readable
 * directory the runner owns. bubblewrap reads its bind sources after dropping to the
 * container's unprivileged uid, which may not be able to read the checkout or the
 * shared folder; a hard link (or, across file systems, a copy) made once per runner
 * start solves that without widening anyone's permissions.
 */
import { chmod, copyFile, link, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IMAGE_FILES } from "./bwrap-args.ts";
import type { RunnerConfig } from "./config.ts";

export async function stageImage(config: RunnerConfig): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "codemode-container-image-"));
  await chmod(dir, 0o755);
  const sources: Record<string, string> = { bun: config.bun, node: config.node };
  for (const name of Object.keys(IMAGE_FILES)) {
    const source = sources[name] ?? join(config.serverDir, name);
    const target = join(dir, name);
    // A link shares the source's inode and mode (never chmod it); a copy keeps the mode.
    await link(source, target).catch(() => copyFile(source, target));
  }
  return dir;
}
