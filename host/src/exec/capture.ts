/**
 * Output capture without buffering whole streams in memory: sandboxed processes write
 * straight into files; afterwards only the head and tail within the cap are read, and an
 * over-long stream is moved into the workspace under `.outputs/` for later reading.
 */
import { chown, copyFile, open, rename, unlink } from "node:fs/promises";
import { join } from "node:path";

export interface CappedStream {
  text: string;
  truncated: boolean;
  /** Workspace path of the complete stream, when truncated. */
  fullOutput?: string;
}

export interface SaveTarget {
  /** Host directory `<workspace>/.outputs`, created on demand. */
  ensureOutputsDir: () => Promise<string>;
  runId: string;
  stream: "stdout" | "stderr";
  owner: { uid: number; gid: number } | null;
}

/** Largest prefix length of `buf` (≤ n) that does not split a UTF-8 sequence. */
function headCut(buf: Uint8Array, n: number): number {
  let i = Math.min(n, buf.length);
  if (i === buf.length) return i;
  // step back over continuation bytes to the start of the split character
  while (i > 0 && ((buf[i] ?? 0) & 0xc0) === 0x80) i--;
  return i;
}

/** Smallest start index ≥ `start` that begins a UTF-8 character. */
function tailCut(buf: Uint8Array, start: number): number {
  let i = start;
  while (i < buf.length && ((buf[i] ?? 0) & 0xc0) === 0x80) i++;
  return i;
}

const decoder = new TextDecoder("utf-8");

/**
 * Reads `file` (bytes `[0, size)`) into a capped string. When over `limit`, keeps the
 * head and the tail and moves (or copies, with `keepFile`) the file into the workspace.
 */
export async function capFile(
  file: string,
  limit: number,
  target: SaveTarget,
  options: { keepFile: boolean },
): Promise<CappedStream> {
  const fh = await open(file, "r");
  let size: number;
  let head: Uint8Array;
  let tail: Uint8Array;
  try {
    size = (await fh.stat()).size;
    if (size <= limit) {
      const buf = new Uint8Array(size);
      const { bytesRead } = await fh.read(buf, 0, size, 0);
      return { text: decoder.decode(buf.subarray(0, bytesRead)), truncated: false };
    }
    const headLen = Math.floor(limit / 2);
    const tailLen = limit - headLen;
    // read a few extra bytes so cuts can land on character boundaries
    const h = new Uint8Array(headLen + 4);
    await fh.read(h, 0, h.length, 0);
    head = h.subarray(0, headCut(h, headLen));
    const t = new Uint8Array(tailLen);
    await fh.read(t, 0, tailLen, size - tailLen);
    tail = t.subarray(tailCut(t, 0));
  } finally {
    await fh.close();
  }
  const dir = await target.ensureOutputsDir();
  const name = `${target.runId}.${target.stream}.log`;
  const dest = join(dir, name);
  if (options.keepFile) {
    await copyFile(file, dest);
  } else {
    await rename(file, dest).catch(async () => {
      await copyFile(file, dest);
      await unlink(file);
    });
  }
  if (target.owner) await chown(dest, target.owner.uid, target.owner.gid);
  const fullOutput = `/workspace/.outputs/${name}`;
  const omitted = size - head.length - tail.length;
  const marker = `\n[... ${omitted} bytes omitted; complete ${target.stream} (${size} bytes) saved to ${fullOutput} ...]\n`;
  return { text: decoder.decode(head) + marker + decoder.decode(tail), truncated: true, fullOutput };
}
