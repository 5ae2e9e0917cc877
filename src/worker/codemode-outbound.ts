/**
 * Outbound interception for code mode in Cloudflare containers: programs call
 * `http://codemode.internal/v1/<workspace DO id>/<run id>` (plain HTTP, so no CA setup),
 * and this handler — running in the Worker, never in the container — hands the call
 * to the workspace Durable Object, which checks the per-run token. Internet access
 * stays off; upstream credentials stay in the Worker.
 *
 * Installed as `Sandbox.outboundByHost` by the Worker entry (index.ts): the Worker owns
 * every route into it, including this one; the sandbox backend knows nothing of it.
 */
import { VIRTUAL_HOST, VIRTUAL_PATH } from "../codemode/python/wire.ts";
import { type CallbackEnv, forwardCall } from "./codemode-callback.ts";

async function codemodeOutbound(request: Request, env: CallbackEnv): Promise<Response> {
  const match = VIRTUAL_PATH.exec(new URL(request.url).pathname);
  const token = /^Bearer ([0-9a-f]{64})$/.exec(request.headers.get("Authorization") ?? "")?.[1];
  if (request.method !== "POST" || !match?.[1] || !match[2] || !token) {
    return Response.json(
      { ok: false, code: "UNAUTHORIZED", error: "Not a valid code-mode run." },
      { status: 403 },
    );
  }
  return forwardCall(env, match[1], match[2], token, request);
}

export const codemodeOutboundByHost = { [VIRTUAL_HOST]: codemodeOutbound };
