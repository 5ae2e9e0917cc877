/**
 * Per-stream output budget: beyond `limitBytes` keep the head and the tail (UTF-8 safe)
 * with a marker between them that names the file holding the complete stream.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface CappedText {
  text: string;
  truncated: boolean;
}

export function byteLength(text: string): number {
  return encoder.encode(text).byteLength;
}

export function capOutput(full: string, limitBytes: number, fullOutputPath: string): CappedText {
  const bytes = encoder.encode(full);
  if (bytes.byteLength <= limitBytes) return { text: full, truncated: false };
  let headEnd = Math.floor(limitBytes / 2);
  let tailStart = bytes.byteLength - (limitBytes - headEnd);
  // Never cut inside a multi-byte character: move off UTF-8 continuation bytes.
  while (headEnd > 0 && isContinuation(bytes[headEnd])) headEnd--;
  while (tailStart < bytes.byteLength && isContinuation(bytes[tailStart])) tailStart++;
  const omitted = tailStart - headEnd;
  const marker = `\n[... ${omitted} bytes omitted; complete output in ${fullOutputPath} ...]\n`;
  return {
    text: decoder.decode(bytes.subarray(0, headEnd)) + marker + decoder.decode(bytes.subarray(tailStart)),
    truncated: true,
  };
}

function isContinuation(byte: number | undefined): boolean {
  return byte !== undefined && (byte & 0xc0) === 0x80;
}

/** Byte-offset window over a stream, never splitting a character. */
export function sliceBytes(
  text: string,
  offset: number,
  limit: number,
): { text: string; nextOffset: number } {
  const bytes = encoder.encode(text);
  let start = Math.min(Math.max(0, offset), bytes.byteLength);
  while (start < bytes.byteLength && isContinuation(bytes[start])) start++;
  let end = Math.min(start + Math.max(0, limit), bytes.byteLength);
  while (end > start && end < bytes.byteLength && isContinuation(bytes[end])) end--;
  return { text: decoder.decode(bytes.subarray(start, end)), nextOffset: end };
}
