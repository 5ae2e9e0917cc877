/** Small helpers for node:http requests and responses (JSON in, JSON or bytes out). */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import { AppError, asAppError } from "../../../src/errors/app-error.ts";

/** Reads the whole body, refusing more than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limit: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `request body exceeds ${limit} bytes`);
}

export async function readJson<T extends z.ZodType>(
  req: IncomingMessage,
  schema: T,
  limit: number,
): Promise<z.infer<T>> {
  const body = await readBody(req, limit);
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    throw new AppError("INVALID_ARGUMENT", "request body is not valid JSON");
  }
  return parseOrThrow(schema, value);
}

export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const detail = r.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ");
    throw new AppError("INVALID_ARGUMENT", `invalid request: ${detail}`);
  }
  return r.data;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export function sendBytes(res: ServerResponse, data: Uint8Array): void {
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": data.byteLength });
  res.end(data);
}

export function sendEmpty(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}

/** Sends an error as `{code, message, suggestion}`; unknown errors become INTERNAL. */
export function sendError(res: ServerResponse, error: unknown, log: (message: string) => void): void {
  const app = asAppError(error);
  if (app) {
    sendJson(res, app.status, app.toJSON());
    return;
  }
  log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  const internal = new AppError("INTERNAL", "internal error in the sandbox host", {
    suggestion: "See the sandbox host's log.",
  });
  sendJson(res, internal.status, internal.toJSON());
}
