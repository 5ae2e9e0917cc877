/**
 * Reads a request body with a size cap, so an oversized upload is refused with 413
 * whether or not it declares Content-Length, without buffering more than the cap.
 */
export async function readBodyWithin(
  request: Request,
  maxBytes: number,
): Promise<ArrayBuffer | null | "too-large"> {
  if (request.method === "GET" || request.method === "HEAD" || request.body === null) return null;
  const declared = Number.parseInt(request.headers.get("content-length") ?? "", 10);
  if (Number.isFinite(declared) && declared > maxBytes) return "too-large";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return "too-large";
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out.buffer;
}
