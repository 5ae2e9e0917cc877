/**
 * The Worker route a sandboxed program's calls arrive on when they come over HTTP
 * (the local sandbox host relays them here): `POST /internal/codemode/<workspace DO
 * id>/<run id>` with the run's bearer token. It sits before API-token authentication
 * because the sandbox never holds an API token: the per-run token, checked by the
 * workspace Durable Object, is the authentication.
 */
import { CALLBACK_PATH, type CallbackReply, MAX_CALL_BYTES, replyStatus } from "../codemode/python/wire.ts";
import { readBodyWithin } from "../shared/read-body.ts";
import { workspaceClient } from "../workspace/rpc.ts";
import type { Workspace } from "../workspace/workspace-do.ts";

export interface CallbackEnv {
  WORKSPACE: DurableObjectNamespace<Workspace>;
}

function reply(body: CallbackReply, status = replyStatus(body)): Response {
  return Response.json(body, { status });
}

/** Answers the request if it is a code-mode callback; `undefined` for any other path. */
export async function handleCodemodeCallback(
  request: Request,
  env: CallbackEnv,
): Promise<Response | undefined> {
  const match = CALLBACK_PATH.exec(new URL(request.url).pathname);
  if (!match?.[1] || !match[2]) return undefined;
  if (request.method !== "POST") return reply({ ok: false, error: "Use POST." }, 405);
  const token = /^Bearer ([0-9a-f]{64})$/.exec(request.headers.get("Authorization") ?? "")?.[1];
  if (!token) return reply({ ok: false, code: "UNAUTHORIZED", error: "Not a valid code-mode run." });
  return forwardCall(env, match[1], match[2], token, request);
}

/** Shared by the HTTP route and the Cloudflare outbound handler. */
export async function forwardCall(
  env: CallbackEnv,
  workspaceId: string,
  runId: string,
  token: string,
  request: Request,
  sandboxId?: string,
): Promise<Response> {
  // Bounded read: the route is reachable before API-token auth, so never buffer more than a call may hold.
  const raw = await readBodyWithin(request, MAX_CALL_BYTES);
  if (raw === "too-large") {
    return reply(
      { ok: false, code: "PAYLOAD_TOO_LARGE", error: `Call arguments exceed ${MAX_CALL_BYTES} bytes.` },
      413,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(raw ?? new ArrayBuffer(0)));
  } catch {
    return reply({ ok: false, code: "INVALID_ARGUMENT", error: "The call body must be JSON." }, 400);
  }
  let id: DurableObjectId;
  try {
    id = env.WORKSPACE.idFromString(workspaceId);
  } catch {
    return reply({ ok: false, code: "UNAUTHORIZED", error: "Not a valid code-mode run." });
  }
  return reply(await workspaceClient(env.WORKSPACE.get(id)).codemode.call(runId, token, body, sandboxId));
}
