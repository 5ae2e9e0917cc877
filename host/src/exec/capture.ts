/**
 * Output capture without buffering whole streams in memory: sandboxed processes write
 * straight into host-private files; afterwards only the head and tail within the cap are
 * read, and an over-long stream is copied into the workspace under `.outputs/` by the
 * sandbox itself (`save`), so the host never writes into a directory the sandbox controls.
 */
import { open } from "node:fs/promises";
import { asAppError } from "../../../src/errors/app-error.ts";

export interface CappedStream {
  text: string;
  truncated: boolean;
  /** Workspace path of the complete stream, when truncated. */
  fullOutput?: string;
}

export interface SaveTarget {
  /** Copies the first `size` bytes of host file `file` to the workspace path `path`. */
  save: (path: string, file: string, size: number) => Promise<void>;
  runId: string;
  stream: "stdout" | "stderr";
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
 * head and the tail and saves the complete stream into the workspace.
 */
export async function capFile(file: string, limit: number, target: SaveTarget): Promise<CappedStream> {
  const fh = await open(file, "r");
  try {
    const size = (await fh.stat()).size;
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
    const head = h.subarray(0, headCut(h, headLen));
    const t = new Uint8Array(tailLen);
    await fh.read(t, 0, tailLen, size - tailLen);
    const tail = t.subarray(tailCut(t, 0));
    const omitted = size - head.length - tail.length;
    const fullOutput = `/workspace/.outputs/${target.runId}.${target.stream}.log`;
    const failure = await saveCopy(file, size, fullOutput, target);
    const where = failure ? `could not be saved (${failure})` : `saved to ${fullOutput}`;
    const marker = `\n[... ${omitted} bytes omitted; complete ${target.stream} (${size} bytes) ${where} ...]\n`;
    const text = decoder.decode(head) + marker + decoder.decode(tail);
    return failure ? { text, truncated: true } : { text, truncated: true, fullOutput };
  } finally {
    await fh.close();
  }
}

/** Saves the whole capture file; returns the error code when the workspace refused it. */
async function saveCopy(
  file: string,
  size: number,
  dest: string,
  target: SaveTarget,
): Promise<string | null> {
  try {
    await target.save(dest, file, size);
    return null;
  } catch (e) {
    const app = asAppError(e);
    if (!app) throw e;
    return app.code;
  }
}
