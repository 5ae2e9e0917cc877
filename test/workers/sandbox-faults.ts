/**
 * A thin wrapper around the real SDK's `getSandbox()` for the adapter tests: every call
 * still reaches the real Sandbox Durable Object and its real container, but the test can
 * see which SDK methods the adapter called and make the container stall or fail on
 * demand — the failures a healthy local container cannot produce when asked (a hung
 * server, a container that is starting, an image without Python).
 *
 * Failures are shaped as the SDK's errors arrive over the `rpc` transport: a plain Error
 * carrying the SDK's `name` and its `ErrorResponse` (see src/sandbox/cloudflare/errors.ts).
 */
import { getSandbox, type Sandbox as SdkSandbox } from "@cloudflare/sandbox";
import type { GetSandbox, SandboxApi } from "../../src/sandbox/cloudflare/types.ts";

type Method = keyof SandboxApi & keyof SdkSandbox;

export interface InjectedFailure {
  method: Method;
  /** The SDK error class name, e.g. "ContainerUnavailableError". */
  name: string;
  /** The SDK's error code, e.g. "CONTAINER_UNAVAILABLE" (the SDK's ErrorCode). */
  code: string;
  message: string;
}

export class SandboxFaults {
  /** SDK methods the adapter called, oldest first, with their first argument. */
  readonly calls: Array<{ method: string; args: unknown[] }> = [];
  /** The options the adapter passed to getSandbox(). */
  options: Parameters<GetSandbox>[2] | undefined;
  #stalled = false;
  readonly #failures: InjectedFailure[] = [];

  /** While stalled, every SDK call hangs (a container that stopped answering). */
  stall(on: boolean): void {
    this.#stalled = on;
  }

  /** The next call of `failure.method` fails with that SDK error. */
  failNext(failure: InjectedFailure): void {
    this.#failures.push(failure);
  }

  readonly getSandbox: GetSandbox = (ns, id, options) => {
    this.options = options;
    const real = getSandbox(ns, id, options) as unknown as Record<string, (...a: unknown[]) => unknown>;
    return new Proxy(real, {
      get: (target, prop) => {
        const value = Reflect.get(target, prop);
        if (typeof prop !== "string" || typeof value !== "function") return value;
        return (...args: unknown[]) => {
          this.calls.push({ method: prop, args });
          if (this.#stalled) return new Promise(() => undefined);
          const at = this.#failures.findIndex((f) => f.method === prop);
          if (at !== -1) {
            const [f] = this.#failures.splice(at, 1);
            return Promise.reject(sdkError(f as InjectedFailure));
          }
          // Reflect.apply: on an RPC stub, `value.apply` would name a remote method.
          return Reflect.apply(value, target, args);
        };
      },
    }) as unknown as SandboxApi;
  };
}

function sdkError(f: InjectedFailure): Error {
  const errorResponse = {
    code: f.code,
    message: f.message,
    context: {},
    httpStatus: 503,
    timestamp: new Date().toISOString(),
  };
  return Object.assign(new Error(f.message), { name: f.name, errorResponse });
}
