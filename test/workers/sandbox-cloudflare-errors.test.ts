import { getSandbox } from "@cloudflare/sandbox";
import { describe, expect, it } from "vitest";
import { AppError } from "../../src/errors/app-error.ts";
import { readRemoteError, toAppError } from "../../src/sandbox/cloudflare/errors.ts";
import { sandboxIdFor } from "../../src/sandbox/cloudflare/sandbox-id.ts";
import {
  makeBackend,
  namespace,
  newWorkspace,
  REAL_TIMEOUT_MS,
  realRuntime,
  SandboxFaults,
} from "./sandbox-cloudflare-setup.ts";

describe("cloudflare adapter: SDK errors across RPC", { timeout: REAL_TIMEOUT_MS }, () => {
  it.skipIf(!realRuntime)(
    "arrive as plain Errors that keep name and errorResponse, not their class",
    async () => {
      const ws = newWorkspace();
      const sandbox = getSandbox(namespace, sandboxIdFor(ws.id), { transport: "rpc" });
      const error = await sandbox.readFile("/workspace/missing").then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect(readRemoteError(error)).toEqual({
        name: "FileNotFoundError",
        message: "File not found: /workspace/missing",
        sdkCode: "FILE_NOT_FOUND",
      });
      expect((error as { code?: unknown }).code).toBeUndefined();
    },
  );

  it.each([
    ["FileNotFoundError", "FILE_NOT_FOUND", "FILE_NOT_FOUND"],
    ["FileSystemError", "IS_DIRECTORY", "NOT_A_FILE"],
    ["FileSystemError", "NOT_DIRECTORY", "NOT_A_DIRECTORY"],
    ["FileTooLargeError", "FILE_TOO_LARGE", "FILE_TOO_LARGE"],
    ["ValidationFailedError", "VALIDATION_FAILED", "INVALID_PATH"],
    ["ContainerUnavailableError", "CONTAINER_UNAVAILABLE", "SANDBOX_UNAVAILABLE"],
    ["RPCTransportError", "RPC_TRANSPORT_ERROR", "SANDBOX_UNAVAILABLE"],
    ["OperationInterruptedError", "OPERATION_INTERRUPTED", "SANDBOX_UNAVAILABLE"],
    ["SandboxError", "INTERNAL_ERROR", "SANDBOX_UNAVAILABLE"],
  ])("maps %s (%s) to %s", (name, code, expected) => {
    const remote = Object.assign(new Error("boom"), { name, errorResponse: { code, message: "boom" } });
    const mapped = toAppError(remote, "do it");
    expect(mapped).toBeInstanceOf(AppError);
    expect(mapped.code).toBe(expected);
    expect(mapped.context).toMatchObject({ sdkCode: code, sdkName: name });
  });

  it("maps by class name when no errorResponse came across, and passes AppErrors through", () => {
    const bare = Object.assign(new Error("gone"), { name: "ContainerUnavailableError" });
    expect(toAppError(bare, "x").code).toBe("SANDBOX_UNAVAILABLE");
    const own = new AppError("INVALID_PATH", "bad");
    expect(toAppError(own, "x")).toBe(own);
    expect(toAppError("weird", "x").code).toBe("SANDBOX_UNAVAILABLE");
  });

  it.skipIf(!realRuntime)("turns an image without Python into SANDBOX_UNAVAILABLE for runCode", async () => {
    const faults = new SandboxFaults();
    const backend = makeBackend({}, faults);
    const ws = newWorkspace();
    await backend.exec(ws, "true", { timeoutMs: 10_000, outputLimitBytes: 1_000 });
    // What the SDK answers in an image built without Python.
    faults.failNext({
      method: "createCodeContext",
      name: "SandboxError",
      code: "PYTHON_NOT_AVAILABLE",
      message: "Python interpreter not available in this image",
    });
    await expect(
      backend.runCode(ws, "print(1)", "python", { timeoutMs: 10_000, outputLimitBytes: 1_000 }),
    ).rejects.toMatchObject({ code: "SANDBOX_UNAVAILABLE" });
  });

  it("derives an SDK-acceptable sandbox id from any workspace id", () => {
    expect(sandboxIdFor("alice-main")).toBe("alice-main");
    const long = "a".repeat(64);
    expect(sandboxIdFor(long)).toMatch(/^ws-[0-9a-f]{16}$/);
    expect(sandboxIdFor(long)).toBe(sandboxIdFor(long));
    expect(sandboxIdFor("-x")).not.toBe(sandboxIdFor("x-"));
    expect(sandboxIdFor("api")).toMatch(/^ws-/);
  });
});
