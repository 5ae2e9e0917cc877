/**
 * Outbound interception for one container: requests the container makes to an
 * intercepted hostname arrive on its `out.sock`, wait here, and are handed to the
 * Sandbox Durable Object, which long-polls for them, answers each through the Worker's
 * outbound handler (as Cloudflare's platform does) and posts the response back.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

/** What the Durable Object receives for one intercepted request. */
export interface OutboundRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  /** base64 */
  body: string;
}

/** What the Durable Object posts back. */
export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  /** base64 */
  body: string;
}

const MAX_BODY = 8 * 1024 * 1024;
const POLL_MS = 20_000;
const ANSWER_MS = 300_000;

export class OutboundQueue {
  #queue: OutboundRequest[] = [];
  #waiters: Array<(r: OutboundRequest | null) => void> = [];
  #pending = new Map<string, ServerResponse>();
  #server: Server | null = null;

  /** Listens on the container's outbound socket. */
  listen(socketPath: string): Promise<void> {
    this.#server = createServer((req, res) => void this.#accept(req, res));
    return new Promise((resolve, reject) => {
      this.#server?.once("error", reject);
      this.#server?.listen(socketPath, () => resolve());
    });
  }

  async #accept(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY) {
        res.writeHead(413).end("request body too large");
        return;
      }
      chunks.push(chunk);
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
    const host = (req.headers.host ?? "").replace(/:80$/, "");
    const item: OutboundRequest = {
      id: randomUUID(),
      method: req.method ?? "GET",
      url: `http://${host}${req.url ?? "/"}`,
      headers,
      body: Buffer.concat(chunks).toString("base64"),
    };
    this.#pending.set(item.id, res);
    const timer = setTimeout(() => this.answer(item.id, gatewayTimeout()), ANSWER_MS);
    res.once("close", () => {
      clearTimeout(timer);
      this.#pending.delete(item.id);
    });
    const waiter = this.#waiters.shift();
    if (waiter) waiter(item);
    else this.#queue.push(item);
  }

  /** The next intercepted request, or null when none arrives within the poll window. */
  next(): Promise<OutboundRequest | null> {
    const item = this.#queue.shift();
    if (item) return Promise.resolve(item);
    return new Promise((resolve) => {
      const waiter = (r: OutboundRequest | null) => {
        clearTimeout(timer);
        resolve(r);
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve(null);
      }, POLL_MS);
      this.#waiters.push(waiter);
    });
  }

  /** Sends the Worker's answer to the waiting container request; false if it is gone. */
  answer(id: string, response: OutboundResponse): boolean {
    const res = this.#pending.get(id);
    if (!res) return false;
    this.#pending.delete(id);
    const headers = Object.fromEntries(
      Object.entries(response.headers).filter(
        ([k]) => !["content-length", "transfer-encoding", "connection"].includes(k),
      ),
    );
    res.writeHead(response.status, headers).end(Buffer.from(response.body, "base64"));
    return true;
  }

  close(): void {
    for (const w of this.#waiters) w(null);
    this.#waiters = [];
    for (const res of this.#pending.values()) res.destroy();
    this.#pending.clear();
    this.#server?.close();
  }
}

function gatewayTimeout(): OutboundResponse {
  return {
    status: 504,
    headers: { "content-type": "text/plain" },
    body: Buffer.from("no answer").toString("base64"),
  };
}
