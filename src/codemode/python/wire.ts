/**
 * The wire format between a sandboxed program's `codemode` module and the Worker.
 *
 * A call is `POST <channel>` with `Authorization: Bearer <run token>` and a JSON
 * `CallbackRequest`; the answer is a `CallbackReply` (also for refusals, so the module
 * can raise the message). The channel is, per backend:
 * - local sandbox host: a unix socket in the workspace, relayed by the host to
 *   `<callback base>/internal/codemode/<workspace DO id>/<run id>` on the Worker;
 * - Cloudflare: `http://codemode.internal/v1/<workspace DO id>/<run id>`, answered by the
 *   Sandbox class's outbound interception inside the Worker.
 */
import { z } from "zod";
import type { ErrorCode } from "../../errors/codes.ts";

export const CALLBACK_PATH = /^\/internal\/codemode\/([0-9a-f]{64})\/([0-9a-f]{32})$/;
export const VIRTUAL_HOST = "codemode.internal";
export const VIRTUAL_PATH = /^\/v1\/([0-9a-f]{64})\/([0-9a-f]{32})$/;
/** Largest call body accepted (arguments of one tool call). */
export const MAX_CALL_BYTES = 1_048_576;

export const CallbackRequest = z.object({
  server: z.string().min(1).max(64),
  tool: z.string().min(1).max(200),
  input: z.unknown().optional(),
});
export type CallbackRequest = z.infer<typeof CallbackRequest>;

export type CallbackReply = { ok: true; value: unknown } | { ok: false; error: string; code?: ErrorCode };

/** HTTP status for a reply: refusals are 403, everything the program should see is 200. */
export function replyStatus(reply: CallbackReply): number {
  return !reply.ok && (reply.code === "UNAUTHORIZED" || reply.code === "RUN_ENDED") ? 403 : 200;
}
