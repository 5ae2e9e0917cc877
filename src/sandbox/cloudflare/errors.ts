/**
 * Maps Sandbox SDK failures to `AppError`s. Across Durable Object RPC the SDK's error
 * classes do not survive: `instanceof` fails and the prototype getter `code` is gone.
 * What arrives is a plain Error with `name` (e.g. "FileNotFoundError"), `message` and
 * the own property `errorResponse` ({ code, message, ... }). So branch on those.
 */
import { isPlatformTransientError } from "@cloudflare/sandbox";
import { AppError, asAppError } from "../../errors/app-error.ts";
import type { ErrorCode } from "../../errors/codes.ts";

export interface RemoteError {
  name: string;
  message: string;
  /** The SDK's own error code (`errorResponse.code`), when one came across. */
  sdkCode: string | undefined;
}

export function readRemoteError(error: unknown): RemoteError {
  if (typeof error !== "object" || error === null) {
    return { name: "Error", message: String(error), sdkCode: undefined };
  }
  const e = error as { name?: unknown; message?: unknown; errorResponse?: { code?: unknown } };
  const code = e.errorResponse?.code;
  return {
    name: typeof e.name === "string" ? e.name : "Error",
    message: typeof e.message === "string" ? e.message : String(error),
    sdkCode: typeof code === "string" ? code : undefined,
  };
}

/** SDK error codes (and class names, for errors without a response) → our codes. */
const BY_SDK_CODE: Record<string, ErrorCode> = {
  FILE_NOT_FOUND: "FILE_NOT_FOUND",
  PROCESS_NOT_FOUND: "NOT_FOUND",
  IS_DIRECTORY: "NOT_A_FILE",
  NOT_DIRECTORY: "NOT_A_DIRECTORY",
  FILE_TOO_LARGE: "FILE_TOO_LARGE",
  VALIDATION_FAILED: "INVALID_PATH",
  PERMISSION_DENIED: "INVALID_PATH",
  CONTAINER_UNAVAILABLE: "SANDBOX_UNAVAILABLE",
  RPC_TRANSPORT_ERROR: "SANDBOX_UNAVAILABLE",
  OPERATION_INTERRUPTED: "SANDBOX_UNAVAILABLE",
  INTERPRETER_NOT_READY: "SANDBOX_UNAVAILABLE",
  PYTHON_NOT_AVAILABLE: "SANDBOX_UNAVAILABLE",
  JAVASCRIPT_NOT_AVAILABLE: "SANDBOX_UNAVAILABLE",
  SESSION_TERMINATED: "SANDBOX_UNAVAILABLE",
  SESSION_DESTROYED: "SANDBOX_UNAVAILABLE",
};
const BY_NAME: Record<string, ErrorCode> = {
  FileNotFoundError: "FILE_NOT_FOUND",
  ProcessNotFoundError: "NOT_FOUND",
  FileTooLargeError: "FILE_TOO_LARGE",
  ContainerUnavailableError: "SANDBOX_UNAVAILABLE",
  RPCTransportError: "SANDBOX_UNAVAILABLE",
  OperationInterruptedError: "SANDBOX_UNAVAILABLE",
  SessionTerminatedError: "SANDBOX_UNAVAILABLE",
  InterpreterNotReadyError: "SANDBOX_UNAVAILABLE",
};

const SUGGESTIONS: Partial<Record<ErrorCode, string>> = {
  SANDBOX_UNAVAILABLE: "The sandbox container is starting, restarting or overloaded; retry in a few seconds.",
  FILE_NOT_FOUND: "Check the path with list_files.",
};

export function sdkCodeOf(error: unknown): string | undefined {
  return readRemoteError(error).sdkCode;
}

/**
 * Converts anything an SDK call threw into an AppError. `what` names the operation for
 * the message, e.g. `read "/workspace/a.txt"`. Unknown failures count as the sandbox
 * being unavailable: they are infrastructure faults, not the user's mistake.
 */
export function toAppError(error: unknown, what: string): AppError {
  const own = asAppError(error);
  if (own) return own;
  const remote = readRemoteError(error);
  const code: ErrorCode =
    (remote.sdkCode !== undefined ? BY_SDK_CODE[remote.sdkCode] : undefined) ??
    BY_NAME[remote.name] ??
    "SANDBOX_UNAVAILABLE";
  const transient = isPlatformTransientError(error);
  const message =
    code === "SANDBOX_UNAVAILABLE"
      ? `Sandbox could not ${what}${transient ? " (the platform was updating the sandbox)" : ""}: ${remote.message}`
      : `Could not ${what}: ${remote.message}`;
  const suggestion = SUGGESTIONS[code];
  return new AppError(code, message, {
    cause: error,
    context: { sdkCode: remote.sdkCode, sdkName: remote.name },
    ...(suggestion !== undefined ? { suggestion } : {}),
  });
}

export function sandboxHung(what: string, ms: number): AppError {
  return new AppError(
    "SANDBOX_UNAVAILABLE",
    `Sandbox did not answer within ${ms} ms while trying to ${what}.`,
    {
      suggestion: SUGGESTIONS.SANDBOX_UNAVAILABLE,
    },
  );
}
