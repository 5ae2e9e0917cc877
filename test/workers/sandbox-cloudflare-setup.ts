/**
 * Shared setup for the Cloudflare adapter tests: the real adapter, the real SDK
 * `getSandbox()` proxy and the project's Sandbox Durable Object (SANDBOX), whose
 * containers are real Cloudflare Sandbox container servers run by the local container
 * runner that the global setup started. Without the container server (a plain public
 * clone) `realRuntime` is false and these suites skip; the global setup said why.
 */

import { env } from "cloudflare:workers";
import { getSandbox } from "@cloudflare/sandbox";
import { expect, inject } from "vitest";
import { AppError } from "../../src/errors/app-error.ts";
import type { ErrorCode } from "../../src/errors/codes.ts";
import type { WorkspaceRef } from "../../src/sandbox/backend.ts";
import {
  CloudflareSandboxBackend,
  type CloudflareSandboxOptions,
} from "../../src/sandbox/cloudflare/backend.ts";
import type { Sandbox } from "../../src/sandbox/cloudflare/sandbox-do.ts";
import { sandboxIdFor } from "../../src/sandbox/cloudflare/sandbox-id.ts";
import type { SandboxApi } from "../../src/sandbox/cloudflare/types.ts";
import { SandboxFaults } from "./sandbox-faults.ts";

/** Whether real containers are available (the global setup found the container server). */
export const realRuntime = inject("containerRunnerUrl") !== "";

/** The binding as the adapter sees it: the project's Sandbox class on real containers. */
export const namespace = env.SANDBOX as unknown as DurableObjectNamespace<Sandbox>;

export function newWorkspace(): WorkspaceRef {
  return { id: `t-${crypto.randomUUID().slice(0, 12)}` };
}

/** The real SDK handle of a workspace's sandbox, for looking at it from the test. */
export function sandboxOf(ws: WorkspaceRef): SandboxApi {
  return getSandbox(namespace, sandboxIdFor(ws.id), { transport: "rpc" }) as unknown as SandboxApi;
}

/** The adapter on real containers; `faults` (optional) sees and disturbs its SDK calls. */
export function makeBackend(
  options: CloudflareSandboxOptions = {},
  faults?: SandboxFaults,
): CloudflareSandboxBackend {
  return new CloudflareSandboxBackend(namespace, {
    getSandbox: faults?.getSandbox ?? getSandbox,
    // A cold container and interpreter take seconds on a busy machine.
    hangGraceMs: 5_000,
    callTimeoutMs: 30_000,
    ...options,
  });
}

export { SandboxFaults };

export const limits = { timeoutMs: 10_000, outputLimitBytes: 65_536 };

/** Per test on real containers: a cold container and interpreter take seconds under load. */
export const REAL_TIMEOUT_MS = 120_000;

export async function expectAppError(call: Promise<unknown>, code: ErrorCode): Promise<AppError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

export const text = (s: string) => new TextEncoder().encode(s);
export const untext = (b: Uint8Array) => new TextDecoder().decode(b);
