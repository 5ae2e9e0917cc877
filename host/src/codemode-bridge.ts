/**
 * Code-mode channel of one run on the local sandbox host.
 *
 * Sandboxes have no network (their loopback is their own), so a run that may call
 * upstream tools gets a unix socket at `/workspace/.codemode-<runId>.sock` for exactly
 * as long as the run lasts. The host relays each POST on it to the Worker's callback
 * URL for that run; the program's own per-run bearer token is what the Worker checks.
 * The relay has one fixed target: it is not a way out to the network.
 *
 * Safe creation in a directory the sandbox can write: the socket is bound in a
 * host-only directory (mode 0700, next to the workspaces), its mode is set there, and
 * it is then hard-linked into the workspace — `link()` never follows a symlink a
 * sandboxed process might have planted, and the unpredictable name cannot be pre-empted.
 * Where sandboxes see workspaces through the view's overlay (isolation/view.ts), both
 * steps go through that overlay too: a socket bound on the plain directory would be
 * another inode than the one a sandbox connects to.
 */
import { randomBytes } from "node:crypto";
import { chmod, link, lstat, mkdir, rm, stat, unlink } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import type { CodemodeChannel } from "../../src/sandbox/backend.ts";
import type { SandboxView } from "./isolation/view.ts";

/** Largest call body relayed (the Worker enforces its own limit too). */
const MAX_BODY_BYTES = 2 * 1024 * 1024;
/** One relayed call may take this long (the program's own timeout is usually shorter). */
const CALL_TIMEOUT_MS = 10 * 60 * 1000;

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function answer(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(body);
}

function relay(callbackUrl: string) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if (req.method !== "POST") return answer(res, 405, JSON.stringify({ ok: false, error: "Use POST." }));
      const body = await readBody(req);
      if (body === undefined) {
        return answer(res, 413, JSON.stringify({ ok: false, error: "Call arguments are too large." }));
      }
      const upstream = await fetch(callbackUrl, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: String(req.headers.authorization ?? ""),
        },
        body: body.toString("utf8"),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
      answer(res, upstream.status, await upstream.text());
    } catch {
      if (!res.headersSent) {
        answer(res, 502, JSON.stringify({ ok: false, error: "The Worker could not be reached." }));
      }
    }
  };
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** Removes `path` only if it is still our socket (same inode), not whatever replaced it. */
async function unlinkIfSame(path: string, ino: number): Promise<void> {
  try {
    const st = await lstat(path);
    if (st.isSocket() && st.ino === ino) await unlink(path);
  } catch {
    // already gone
  }
}

/**
 * Runs `work` with the run's channel open when `channel` is given; the socket is gone
 * again before this resolves, whether `work` succeeded or not.
 */
export async function withCodemodeBridge<T>(
  workspaceDir: string,
  channel: CodemodeChannel | undefined,
  work: () => Promise<T>,
  view: SandboxView | null = null,
): Promise<T> {
  if (!channel) return work();
  // A fresh private name per attempt: a stale socket from a crashed run cannot block it.
  const name = `${randomBytes(8).toString("hex")}.sock`;
  let privatePath: string;
  if (view) {
    // the overlay's root: the host's alone (sandboxes get one workspace below it)
    privatePath = join(view.hostRoot, `.codemode-bridge-${name}`);
  } else {
    const privateDir = join(dirname(workspaceDir), ".codemode-bridge");
    await mkdir(privateDir, { recursive: true, mode: 0o700 });
    await chmod(privateDir, 0o700);
    privatePath = join(privateDir, name);
  }
  const sandboxPath = join(
    view ? view.hostPath(workspaceDir) : workspaceDir,
    `.codemode-${channel.runId}.sock`,
  );
  const server = createServer(relay(channel.callbackUrl));
  await listen(server, privatePath);
  let ino = -1;
  try {
    await chmod(privatePath, 0o666); // sandboxed code runs as another user
    ino = (await stat(privatePath)).ino;
    await link(privatePath, sandboxPath);
    await rm(privatePath, { force: true });
    return await work();
  } finally {
    server.close();
    server.closeAllConnections();
    await rm(privatePath, { force: true });
    if (ino !== -1) await unlinkIfSame(sandboxPath, ino);
  }
}
