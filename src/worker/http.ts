/** JSON error responses for the HTTP edge. Bodies never contain secrets or internals. */
import type { AppError } from "../errors/app-error.ts";
import type { ErrorCode } from "../errors/codes.ts";

export function jsonResponse(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

export function errorResponse(
  status: number,
  code: ErrorCode,
  message: string,
  headers: HeadersInit = {},
): Response {
  return jsonResponse({ error: { code, message } }, status, headers);
}

export function appErrorResponse(error: AppError, headers: HeadersInit = {}): Response {
  return jsonResponse({ error: error.toJSON() }, error.status, headers);
}
