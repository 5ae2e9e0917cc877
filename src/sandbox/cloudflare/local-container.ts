/**
 * Development and tests only: a stand-in for the platform's `ctx.container` that drives
 * real Cloudflare Sandbox container servers run by the local container runner
 * (`containers/`), so the SDK, `@cloudflare/containers` and our adapter all run for real
 * without Docker or an account.
 *
 * It is installed by `LocalContainerSandbox`, which only the development entry
 * (src/worker/dev.ts) exports; the deployed entry (src/worker/index.ts) never imports this
 * file. Even when selected, `installLocalContainer` refuses unless ENVIRONMENT is
 * `development`, the runner is on a loopback address, and the platform has not provided a
 * real container handle (it never replaces one).
 *
 * Outbound interception covers plain HTTP to the hostnames registered before start (as
 * `codemode.internal` is): the container's requests wait at the runner, this object
 * long-polls for them and answers each through the registered Fetcher (the Worker's
 * `ContainerProxy`), as the platform does.
 */
import { Sandbox, type SandboxDoEnv } from "./sandbox-do.ts";

export interface LocalContainerEnv extends SandboxDoEnv {
  ENVIRONMENT?: string;
  /** Where the local container runner listens (loopback only). */
  CONTAINER_RUNNER_URL?: string;
  /** Shared secret between the Worker and the runner (the local host's secret). */
  SANDBOX_HOST_SECRET?: string;
}

export const DEFAULT_RUNNER_URL = "http://127.0.0.1:8789";
const NOT_LISTENING = "the container is not listening";
const NOT_LISTENING_HEADER = "x-container-not-listening";
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

export class LocalContainerRefused extends Error {
  override readonly name = "LocalContainerRefused";
}

interface RunnerTarget {
  base: string;
  secret: string;
}

/** Checks where the stand-in may run; throws `LocalContainerRefused` naming the reason. */
export function runnerTarget(env: LocalContainerEnv, id: string): RunnerTarget {
  if (env.ENVIRONMENT !== "development") {
    throw new LocalContainerRefused(
      "the local container stand-in runs only with ENVIRONMENT=development (never in a deployed Worker)",
    );
  }
  const raw = env.CONTAINER_RUNNER_URL || DEFAULT_RUNNER_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new LocalContainerRefused(`CONTAINER_RUNNER_URL is not a URL: ${raw}`);
  }
  if (url.protocol !== "http:" || !LOOPBACK.has(url.hostname)) {
    throw new LocalContainerRefused("CONTAINER_RUNNER_URL must be an http:// loopback address");
  }
  const secret = env.SANDBOX_HOST_SECRET ?? "";
  if (secret.length < 16) {
    throw new LocalContainerRefused("SANDBOX_HOST_SECRET (shared with the container runner) is required");
  }
  return { base: `${url.origin}/containers/${id}`, secret };
}

/**
 * Defines `ctx.container` on the real state object when the platform gave none. workerd
 * rejects a Proxy around `ctx`, so the property is defined on `ctx` itself, before the
 * base class's constructor reads it.
 */
export function installLocalContainer(ctx: DurableObjectState, env: LocalContainerEnv): void {
  if (ctx.container !== undefined) return;
  const target = runnerTarget(env, ctx.id.toString());
  Object.defineProperty(ctx, "container", { value: new LocalContainer(ctx, target), enumerable: true });
}

type Outbound = { id: string; method: string; url: string; headers: Record<string, string>; body: string };

const toBase64 = (bytes: Uint8Array) => {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

class LocalContainer implements Container {
  readonly images: Record<string, string> = {};
  #running = false;
  #ready: Promise<void> = Promise.resolve();
  #exit: Promise<number> = Promise.resolve(0);
  #generation = 0;
  readonly #fetchers = new Map<string, Fetcher>();
  #catchAll: Fetcher | undefined;
  readonly #target: RunnerTarget;

  constructor(ctx: DurableObjectState, target: RunnerTarget) {
    this.#target = target;
    // A new Durable Object instance may find its container still running (the runner
    // outlives instance evictions, as a platform container does): adopt it before
    // any event is delivered.
    ctx.blockConcurrencyWhile(async () => {
      const state = await this.#call("GET", "").catch(() => null);
      if ((state as { running?: boolean } | null)?.running) this.#watch(Promise.resolve());
    });
  }

  get running(): boolean {
    return this.#running;
  }

  #call(method: string, path: string, body?: unknown): Promise<unknown> {
    return fetch(`${this.#target.base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.#target.secret}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).then(async (res) => {
      const json = (await res.json().catch(() => ({}))) as { error?: string };
      if (!res.ok) throw new Error(json.error ?? `container runner answered ${res.status}`);
      return json;
    });
  }

  start(options?: ContainerStartupOptions): void {
    if (this.#running) throw new Error("the container is already running");
    const hosts = [...this.#fetchers.keys()];
    const ready = this.#call("PUT", "", { env: options?.env ?? {}, interceptHosts: hosts }).then(
      () => undefined,
    );
    this.#watch(ready);
  }

  /** Marks the container running until the runner reports its exit. */
  #watch(ready: Promise<void>): void {
    const generation = ++this.#generation;
    this.#running = true;
    this.#ready = ready;
    this.#exit = ready
      .then(() => this.#call("GET", "/exit"))
      .then((r) => Number((r as { exitCode?: number }).exitCode ?? 0))
      .catch(() => 1)
      .finally(() => {
        if (this.#generation === generation) this.#running = false;
      });
    ready.then(() => this.#pollOutbound(generation)).catch(() => undefined);
  }

  monitor(): Promise<void> {
    return this.#exit.then((code) => {
      if (code !== 0) throw new Error(`container exited with unexpected exit code: ${code}`);
    });
  }

  async destroy(): Promise<void> {
    await this.#call("DELETE", "");
    await this.#exit;
  }

  signal(signo: number): void {
    void this.#call("POST", "/signal", { signal: signo }).catch(() => undefined);
  }

  getTcpPort(port: number): Fetcher {
    const forward = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      if (!this.#running) throw new Error(NOT_LISTENING);
      await this.#ready;
      const request = new Request(input, init);
      const url = new URL(request.url);
      const headers = new Headers(request.headers);
      headers.set("Authorization", `Bearer ${this.#target.secret}`);
      const hasBody = request.method !== "GET" && request.method !== "HEAD";
      let response: Response;
      try {
        response = await fetch(`${this.#target.base}/port/${port}${url.pathname}${url.search}`, {
          method: request.method,
          headers,
          ...(hasBody ? { body: request.body } : {}),
          signal: request.signal,
        });
      } catch (error) {
        if (request.signal.aborted) throw error;
        throw new Error(NOT_LISTENING);
      }
      if (response.headers.has(NOT_LISTENING_HEADER)) throw new Error(NOT_LISTENING);
      return response;
    };
    return { fetch: forward, connect: unsupported("connect") } as unknown as Fetcher;
  }

  async setInactivityTimeout(): Promise<void> {}

  async interceptOutboundHttp(addr: string, binding: Fetcher): Promise<void> {
    this.#fetchers.set(addr.toLowerCase(), binding);
  }

  async interceptAllOutboundHttp(binding: Fetcher): Promise<void> {
    this.#catchAll = binding;
  }

  // HTTPS interception needs the platform's CA inside the image; locally only the
  // plain-HTTP hosts registered above are reachable.
  async interceptOutboundHttps(): Promise<void> {}

  snapshotContainer = unsupported("snapshotContainer");
  exec = unsupported("exec");
  inspect = unsupported("inspect");

  /** Answers the container's intercepted requests until this container generation ends. */
  async #pollOutbound(generation: number): Promise<void> {
    if (this.#fetchers.size === 0 && !this.#catchAll) return;
    while (this.#running && this.#generation === generation) {
      let next: Outbound | null;
      try {
        const res = await fetch(`${this.#target.base}/outbound`, {
          headers: { Authorization: `Bearer ${this.#target.secret}` },
        });
        if (res.status === 404) return;
        next = res.status === 200 ? ((await res.json()) as Outbound) : null;
      } catch {
        return;
      }
      if (next) void this.#answer(next);
    }
  }

  async #answer(item: Outbound): Promise<void> {
    const host = new URL(item.url).hostname.toLowerCase();
    const fetcher = this.#fetchers.get(host) ?? this.#catchAll;
    let status = 502;
    let headers: Record<string, string> = { "content-type": "text/plain" };
    let body = new TextEncoder().encode(`no outbound handler for ${host}`);
    if (fetcher) {
      try {
        const hasBody = item.method !== "GET" && item.method !== "HEAD";
        const response = await fetcher.fetch(item.url, {
          method: item.method,
          headers: item.headers,
          ...(hasBody ? { body: fromBase64(item.body) } : {}),
        });
        status = response.status;
        headers = Object.fromEntries(response.headers);
        body = new Uint8Array(await response.arrayBuffer());
      } catch (error) {
        body = new TextEncoder().encode(`outbound handler failed: ${(error as Error).message}`);
      }
    }
    await this.#call("POST", `/outbound/${item.id}`, { status, headers, body: toBase64(body) }).catch(
      () => undefined,
    );
  }
}

function unsupported(name: string): () => never {
  return () => {
    throw new Error(`ctx.container.${name}() is not available in the local container stand-in`);
  };
}

/**
 * The project's Sandbox Durable Object with the local stand-in installed. Exported only
 * by the development entry; the deployed Worker exports `Sandbox` itself.
 */
export class LocalContainerSandbox extends Sandbox {
  // The runner has neither presigned-URL access to R2 nor FUSE.
  protected override readonly backupThroughBinding = true;

  constructor(ctx: DurableObjectState, env: LocalContainerEnv) {
    installLocalContainer(ctx, env);
    super(ctx as ConstructorParameters<typeof Sandbox>[0], env);
  }
}
