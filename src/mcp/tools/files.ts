/** Helpers for the file tools: encodings and content types. */

export const MAX_READ_BYTES = 4 * 1024 * 1024;

const IMAGE_TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
};

export function imageMimeType(path: string): string | undefined {
  const dot = path.lastIndexOf(".");
  return dot >= 0 ? IMAGE_TYPES[path.slice(dot).toLowerCase()] : undefined;
}

/** The text of `bytes` if it is valid UTF-8, else undefined. */
export function asUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined;
  }
}
