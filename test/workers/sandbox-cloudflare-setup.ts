/**
 * Shared setup for the Cloudflare adapter tests: the real adapter and the real SDK
 * `getSandbox()` proxy, pointed at the fake Sandbox Durable Object bound as SANDBOX.
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
import type { Sandbox as FakeSandbox } from "./fakes/fake-sandbox-do.ts";

// The fake answers to every RPC name the adapter uses (checked at compile time here).
type MissingFromFake = Exclude<keyof SandboxApi, keyof FakeSandbox>;
export const fakeCoversAdapter: [MissingFromFake] extends [never] ? true : MissingFromFake = true;

/** The binding as the adapter sees it (typed as the real class; it is the fake). */
export const namespace = env.SANDBOX as unknown as DurableObjectNamespace<Sandbox>;

/**
 * Whether real containers are available (the global setup found the container server).
 * Without them the real-runtime suites skip; the global setup printed why.
 */
export const realRuntime = inject("containerRunnerUrl") !== "";

/** The adapter on real containers (REAL_SANDBOX, see real-sandbox.ts). */
export function makeRealBackend(options: CloudflareSandboxOptions = {}): CloudflareSandboxBackend {
  const real = (env as unknown as { REAL_SANDBOX: DurableObjectNamespace<Sandbox> }).REAL_SANDBOX;
  return new CloudflareSandboxBackend(real, {
    getSandbox,
    hangGraceMs: 5_000,
    callTimeoutMs: 30_000,
    ...options,
  });
}

export function newWorkspace(): WorkspaceRef {
  return { id: `t-${crypto.randomUUID().slice(0, 12)}` };
}

/** Test controls of the fake container behind a workspace. */
export function fakeFor(ws: WorkspaceRef): DurableObjectStub<FakeSandbox> {
  const ns = env.SANDBOX as unknown as DurableObjectNamespace<FakeSandbox>;
  return ns.get(ns.idFromName(sandboxIdFor(ws.id)));
}

/** SDK calls the fake container has received, oldest first. */
export async function callsTo(ws: WorkspaceRef): Promise<Array<{ method: string; args: unknown[] }>> {
  return JSON.parse(await fakeFor(ws).testCalls()) as Array<{ method: string; args: unknown[] }>;
}

export function makeBackend(options: CloudflareSandboxOptions = {}): CloudflareSandboxBackend {
  return new CloudflareSandboxBackend(namespace, {
    getSandbox,
    hangGraceMs: 2_000,
    callTimeoutMs: 10_000,
    ...options,
  });
}

export const limits = { timeoutMs: 5_000, outputLimitBytes: 65_536 };

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
