/**
 * The local container runner's HTTP API, used only by the development stand-in for
 * `ctx.container` in the Sandbox Durable Object (src/sandbox/cloudflare/local-container.ts).
 * Every request carries `Authorization: Bearer <CONTAINER_RUNNER_SECRET>`.
 *
 *   GET    /containers                 {containers: [{id, running, exitCode}]} (tests and tools)
 *   PUT    /containers/:id             start {env, interceptHosts}; answers once ready (and no
 *                                      sooner than CONTAINER_COLD_START_MS after the request)
 *   GET    /containers/:id             {running, exitCode}
 *   GET    /containers/:id/exit        long-poll: {exitCode} once the container is gone
 *   POST   /containers/:id/signal      {signal}
 *   DELETE /containers/:id             SIGKILL everything; answers once gone
 *   *      /containers/:id/port/3000/… proxied to the server (WebSocket upgrades too)
 *   GET    /containers/:id/outbound    long-poll: next intercepted request, or 204
 *   POST   /containers/:id/outbound/:r the Worker's answer to request r
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import { connect } from "node:net";
import type { Duplex } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type { RunnerConfig } from "./config.ts";
import { LocalContainer } from "./container.ts";
import { stageImage } from "./image.ts";
import { createLimitManager } from "./limits.ts";
import type { OutboundResponse } from "./outbound.ts";

const ID = /^[A-Za-z0-9_-]{1,128}$/;
const SERVER_PORT = "3000";
/** Tells the stand-in to raise the platform's "not listening" error. */
export const NOT_LISTENING_HEADER = "x-container-not-listening";

export interface ContainerRunner {
  url: string;
  limits: string;
  close(): Promise<void>;
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

async function readJson(req: IncomingMessage, max = 1_000_000): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new Error("body too large");
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString();
  return text ? JSON.parse(text) : {};
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

export async function createContainerRunner(
  config: RunnerConfig,
  log: (line: string) => void = (l) => console.log(l),
): Promise<ContainerRunner> {
  await mkdir(config.root, { recursive: true, mode: 0o700 });
  const image = await stageImage(config);
  const limits = await createLimitManager(config);
  const containers = new Map<string, LocalContainer>();
  let generation = 0;
  const secret = digest(config.secret);
  const authorized = (req: IncomingMessage) => {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
    return m?.[1] !== undefined && timingSafeEqual(digest(m[1]), secret);
  };
  const route = (url: string) => {
    const m = /^\/containers\/([^/?]+)(\/[^?]*)?(\?.*)?$/.exec(url);
    if (!m?.[1] || !ID.test(m[1])) return null;
    return { id: m[1], rest: m[2] ?? "", query: m[3] ?? "" };
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.url === "/health") return json(res, 200, { ok: true });
    if (!authorized(req)) return json(res, 401, { error: "unauthorized" });
    // Which containers exist: lets a test find the one a workspace started, to stop it
    // as the platform does (signal 15 is `sleepAfter`'s stop, 9 a crash).
    if (req.url === "/containers" && req.method === "GET") {
      const list = [...containers.values()].map((c) => ({
        id: c.id,
        running: c.running,
        exitCode: c.exitCode,
      }));
      return json(res, 200, { containers: list });
    }
    const r = route(req.url ?? "");
    if (!r) return json(res, 404, { error: "not found" });
    const current = containers.get(r.id);
    const live = current?.running ? current : undefined;
    const { method } = req;

    if (r.rest === "" && method === "PUT") {
      if (live) return json(res, 409, { error: "container is already running" });
      const body = (await readJson(req)) as { env?: Record<string, string>; interceptHosts?: string[] };
      const c = new LocalContainer(r.id, ++generation, config, limits, image.dir, log);
      containers.set(r.id, c);
      const asked = Date.now();
      try {
        await c.start({ env: body.env ?? {}, interceptHosts: body.interceptHosts ?? [] });
        // Cold-start emulation: the platform's start takes longer than a local one.
        const pad = config.coldStartMs - (Date.now() - asked);
        if (pad > 0) await sleep(pad);
        return json(res, 200, { running: true });
      } catch (error) {
        await c.destroy();
        return json(res, 500, { error: (error as Error).message });
      }
    }
    if (r.rest === "" && method === "GET") {
      return json(res, 200, { running: Boolean(live), exitCode: current?.exitCode ?? null });
    }
    if (r.rest === "" && method === "DELETE") {
      const exitCode = current ? await current.destroy() : null;
      return json(res, 200, { exitCode });
    }
    if (r.rest === "/exit" && method === "GET") {
      if (!current) return json(res, 404, { error: "no container" });
      return json(res, 200, { exitCode: await current.exited });
    }
    if (r.rest === "/signal" && method === "POST") {
      const body = (await readJson(req)) as { signal?: number };
      const signo = Number(body.signal ?? 15);
      if (!Number.isInteger(signo) || signo < 1 || signo > 64) return json(res, 400, { error: "bad signal" });
      live?.signal(signo);
      return json(res, 200, { running: Boolean(live) });
    }
    if (r.rest === "/outbound" && method === "GET") {
      if (!live) return json(res, 404, { error: "not running" });
      const next = await live.outbound.next();
      if (!next) return void res.writeHead(204).end();
      return json(res, 200, next);
    }
    const answer = /^\/outbound\/([0-9a-f-]{36})$/.exec(r.rest);
    if (answer?.[1] && method === "POST") {
      const body = (await readJson(req, 64 * 1024 * 1024)) as OutboundResponse;
      return json(res, 200, { delivered: current?.outbound.answer(answer[1], body) ?? false });
    }
    const port = /^\/port\/(\d+)(\/.*)?$/.exec(r.rest);
    if (port) return proxy(live, port[1] ?? "", `${port[2] ?? "/"}${r.query}`, req, res);
    return json(res, 404, { error: "not found" });
  }

  function notListening(res: ServerResponse): void {
    res.writeHead(502, { [NOT_LISTENING_HEADER]: "1" }).end("the container is not listening");
  }

  function proxy(
    c: LocalContainer | undefined,
    port: string,
    path: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    if (!c || port !== SERVER_PORT) {
      notListening(res);
      return;
    }
    const headers = { ...req.headers };
    delete headers.authorization;
    headers.host = `localhost:${SERVER_PORT}`;
    const upstream = request({ socketPath: c.ctlSocket, path, method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", () => {
      if (!res.headersSent) notListening(res);
      else res.destroy();
    });
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  }

  /** WebSocket upgrades (the SDK's `rpc` transport): raw bytes both ways once connected. */
  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!authorized(req)) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n");
      return;
    }
    const r = route(req.url ?? "");
    const port = r ? /^\/port\/(\d+)(\/.*)?$/.exec(r.rest) : null;
    const c = r ? containers.get(r.id) : undefined;
    if (!r || !port || port[1] !== SERVER_PORT || !c?.running) {
      socket.end(`HTTP/1.1 502 Bad Gateway\r\n${NOT_LISTENING_HEADER}: 1\r\nConnection: close\r\n\r\n`);
      return;
    }
    const upstream = connect(c.ctlSocket);
    const lines = [`${req.method} ${port[2] ?? "/"}${r.query} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i] ?? "";
      const lower = name.toLowerCase();
      if (lower === "authorization" || lower === "host") continue;
      lines.push(`${name}: ${req.rawHeaders[i + 1] ?? ""}`);
    }
    lines.push(`Host: localhost:${SERVER_PORT}`);
    upstream.once("connect", () => {
      upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    const close = () => {
      upstream.destroy();
      socket.destroy();
    };
    upstream.on("error", close);
    socket.on("error", close);
    upstream.on("close", close);
    socket.on("close", close);
    void c.exited.then(close);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: (error as Error).message });
      else res.destroy();
    });
  });
  server.on("upgrade", upgrade);
  // Long-polls (exit, outbound) outlive Node's default request timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(config.port, "127.0.0.1", resolve));
  const address = server.address();
  const boundPort = typeof address === "object" && address ? address.port : config.port;
  return {
    url: `http://127.0.0.1:${boundPort}`,
    limits: limits.mechanism,
    async close() {
      server.close();
      server.closeAllConnections();
      await Promise.all([...containers.values()].map((c) => c.destroy()));
      await limits.close();
      await image.close();
    },
  };
}
