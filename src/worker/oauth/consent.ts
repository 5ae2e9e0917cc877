/**
 * The authorization endpoint: the consent page (GET) and its form (POST).
 *
 * The person proves who they are by entering the API token of an existing principal;
 * the grant is issued to the principal that token names, and its props hold only that
 * principal's name (the token is compared in constant time, never stored or logged).
 * The authorization request itself is kept server-side by the library between the two
 * requests: the form carries a one-time handle bound to a cookie of this browser, which
 * is the CSRF protection, together with an Origin check on the POST.
 *
 * Errors before the client and its exact redirect URI are validated are shown here and
 * never redirected; after that, the library's standard OAuth error redirect is used
 * (invalid PKCE, Deny → access_denied).
 */
import { AuthorizationError, CimdFetchError } from "@cloudflare/workers-oauth-provider";
import type { Config } from "../../config/config.ts";
import { readBodyWithin } from "../../shared/read-body.ts";
import { authenticate } from "../auth.ts";
import { cimdRefusal } from "./cimd-guard.ts";
import { consentPage, problemPage } from "./consent-page.ts";
import { consentAttemptAllowed } from "./rate-limit.ts";
import type { GrantMetadata, GrantProps, OAuthServer } from "./server.ts";

const MAX_FORM_BYTES = 8192;

export async function serveAuthorize(
  request: Request,
  url: URL,
  env: Env,
  config: Config,
  oauth: OAuthServer,
): Promise<Response> {
  const refusal = cimdRefusal(url.searchParams.get("client_id"), config);
  if (refusal) return problemPage(400, "This app cannot be verified", refusal);
  try {
    if (request.method === "GET" || request.method === "HEAD") return await showConsent(request, env, oauth);
    if (request.method === "POST") return await submitConsent(request, url, env, config, oauth);
    return problemPage(405, "Method not allowed", `${request.method} is not supported here.`);
  } catch (error) {
    return authorizeFailure(error);
  }
}

async function showConsent(request: Request, env: Env, oauth: OAuthServer): Promise<Response> {
  const api = oauth.server.getOAuthApi(env);
  const authRequest = await api.parseAuthRequest(request);
  // Describe first: a failed lookup leaves nothing behind in KV.
  const details = await api.describeConsent(authRequest);
  const consent = await api.beginConsent(authRequest);
  return consentPage({ details, handle: consent.handle, action: request.url }, consent.headers);
}

async function submitConsent(
  request: Request,
  url: URL,
  env: Env,
  config: Config,
  oauth: OAuthServer,
): Promise<Response> {
  if (!(await consentAttemptAllowed(request, env))) {
    const res = problemPage(429, "Too many attempts", "Too many attempts from your address; wait a minute.");
    res.headers.set("Retry-After", "60");
    return res;
  }
  const origin = request.headers.get("Origin");
  if ((origin !== null && origin !== url.origin) || request.headers.get("Sec-Fetch-Site") === "cross-site") {
    return problemPage(
      403,
      "Request refused",
      "This form can only be submitted from this server's own page.",
    );
  }
  const body = await readBodyWithin(request, MAX_FORM_BYTES);
  if (body === "too-large") return problemPage(413, "Request refused", "The form is too large.");
  const form = new URLSearchParams(new TextDecoder().decode(body ?? new ArrayBuffer(0)));
  const handle = form.get("handle") ?? "";
  const api = oauth.server.getOAuthApi(env);

  if (form.get("decision") !== "approve") {
    const denied = await api.denyConsent(request, handle);
    return new Response(null, { status: 302, headers: denied.headers });
  }

  const entry = await authenticate(form.get("token") ?? undefined, config.API_TOKENS);
  if (!entry) {
    // Show the same page again, from the validated request in the URL, with the same handle.
    const authRequest = await api.parseAuthRequest(new Request(url, { headers: request.headers }));
    const details = await api.describeConsent(authRequest);
    return consentPage({
      details,
      handle,
      action: url.href,
      error: "That API token is not valid. Nothing was authorized.",
    });
  }

  const approved = await api.approveConsent(request, handle);
  const details = await api.describeConsent(approved.request);
  const props: GrantProps = { principal: entry.principal };
  const metadata: GrantMetadata = { clientName: details.clientName };
  const { redirectTo } = await api.completeAuthorization({
    request: approved.request,
    userId: entry.principal,
    metadata,
    scope: approved.request.scope,
    props,
  });
  approved.headers.set("Location", redirectTo);
  return new Response(null, { status: 302, headers: approved.headers });
}

function authorizeFailure(error: unknown): Response {
  if (error instanceof AuthorizationError) {
    // The library attaches a redirect only once the client and exact redirect URI are valid.
    if (error.redirectTo) {
      return new Response(null, {
        status: 302,
        headers: { Location: error.redirectTo, "Cache-Control": "no-store" },
      });
    }
    return problemPage(400, "This authorization request cannot be used", error.description);
  }
  if (error instanceof CimdFetchError) {
    return problemPage(
      400,
      "This app cannot be verified",
      "Its client metadata document could not be fetched or is not valid.",
    );
  }
  throw error;
}
