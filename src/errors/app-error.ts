/** The one error class (AppError) and its recovery after an RPC or HTTP boundary. */
import { type ErrorCode, httpStatus } from "./codes.ts";

/**
 * The one error class of the project. `message` is written for the user or model and
 * must never contain secrets; `suggestion` says what to do about it.
 */
export class AppError extends Error {
  override readonly name = "AppError";
  readonly code: ErrorCode;
  readonly suggestion: string | undefined;
  readonly context: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { suggestion?: string; context?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.suggestion = options.suggestion;
    this.context = options.context;
  }

  get status(): number {
    return httpStatus[this.code];
  }

  toJSON(): { code: ErrorCode; message: string; suggestion?: string } {
    return this.suggestion === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, suggestion: this.suggestion };
  }
}

/**
 * Recovers an AppError that crossed a Workers RPC or HTTP boundary, where the class is
 * lost and only plain properties survive.
 */
export function asAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { code?: unknown; message?: unknown; suggestion?: unknown };
  if (typeof e.code === "string" && e.code in httpStatus && typeof e.message === "string") {
    const suggestion = typeof e.suggestion === "string" ? e.suggestion : undefined;
    return new AppError(e.code as ErrorCode, e.message, suggestion ? { suggestion } : {});
  }
  return undefined;
}
