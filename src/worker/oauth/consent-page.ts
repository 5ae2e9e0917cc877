/**
 * The consent page's HTML and the headers every page of it carries. Server-rendered,
 * no script at all: the Content-Security-Policy allows only this response's own inline
 * style (by nonce), forms that post back here or go to the client's validated redirect
 * origin, and no framing. Everything that came from the client (its name, domain,
 * redirect URI) is escaped.
 */
import type { ConsentDescription } from "@cloudflare/workers-oauth-provider";

const STYLE = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { margin: 0; padding: 1rem; line-height: 1.5; }
main { max-width: 32rem; margin: 2rem auto; }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
.facts { padding: 0.75rem 1rem; border: 1px solid #8884; border-radius: 0.5rem; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0 0 0.5rem; overflow-wrap: anywhere; }
.warn { border-left: 4px solid #d97706; padding-left: 0.75rem; }
.error { border-left: 4px solid #dc2626; padding-left: 0.75rem; font-weight: 600; }
label { display: block; font-weight: 600; margin-top: 1rem; }
input[type=password] { width: 100%; box-sizing: border-box; font-size: 1rem; padding: 0.6rem; }
.buttons { display: flex; gap: 0.75rem; margin-top: 1rem; flex-wrap: wrap; }
button { font-size: 1rem; padding: 0.6rem 1.2rem; border-radius: 0.4rem; border: 1px solid #8888; cursor: pointer; }
button.approve { background: #2563eb; color: white; border-color: #2563eb; }
button:focus-visible, input:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.hint { font-size: 0.9rem; opacity: 0.8; }
`;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function nonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/** Security headers for a consent-page response; `formTarget` is the redirect origin forms may reach. */
function pageHeaders(styleNonce: string, formTarget?: string): Headers {
  const formAction = ["'self'", ...(formTarget ? [formTarget] : [])].join(" ");
  return new Headers({
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": [
      "default-src 'none'",
      `style-src 'nonce-${styleNonce}'`,
      `form-action ${formAction}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join("; "),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    // Not no-referrer: with it browsers send `Origin: null` on the form's POST, and the
    // Origin check there is part of the CSRF protection. same-origin leaks nothing to apps.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
  });
}

/**
 * The CSP source that lets the form's redirect reach the client: its origin for http(s),
 * its scheme for a native app's private-use URI (`cursor:`), whose URL has no origin.
 */
function formActionSource(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.protocol === "http:" || url.protocol === "https:" ? url.origin : url.protocol;
}

function layout(title: string, body: string, styleNonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style nonce="${styleNonce}">${STYLE}</style>
</head>
<body><main>
${body}
</main></body>
</html>`;
}

export interface ConsentView {
  details: ConsentDescription;
  handle: string;
  /** The form's action: this authorize URL, query included (used to show the page again). */
  action: string;
  error?: string;
}

/** The consent form: who asks, where access goes, the API-token field, Approve and Deny. */
export function consentPage(view: ConsentView, extraHeaders?: Headers): Response {
  const d = view.details;
  const name = escapeHtml(d.clientName);
  const origin = d.clientDomain
    ? `Published by <strong>${escapeHtml(d.clientDomain)}</strong> (its metadata document is served from there).`
    : "This app registered itself: its name is not verified.";
  const loopback = d.redirectIsLoopback
    ? `<p class="warn">Access goes to an app on <strong>this computer</strong>. Continue only if you just started signing in from it.</p>`
    : "";
  const error = view.error ? `<p class="error" role="alert" id="error">${escapeHtml(view.error)}</p>` : "";
  const styleNonce = nonce();
  const body = `<h1>Allow ${name} to use codemode-mcp?</h1>
${error}
<p>${origin}</p>
<dl class="facts">
<dt>App</dt><dd>${name}</dd>
<dt>Access will be sent to</dt><dd><strong>${escapeHtml(d.redirectHost)}</strong> (${escapeHtml(d.redirectUri)})</dd>
</dl>
${loopback}
<p>It will run code, read and write files and start tasks in your workspaces, as you.</p>
<form method="post" action="${escapeHtml(view.action)}">
<input type="hidden" name="handle" value="${escapeHtml(view.handle)}">
<label for="token">Your API token</label>
<input type="password" id="token" name="token" autocomplete="current-password" aria-describedby="token-hint"${view.error ? ' aria-invalid="true"' : ""}>
<p class="hint" id="token-hint">The token you use for this server's CLI or scripts. It proves who you are; it is not stored or given to the app.</p>
<div class="buttons">
<button type="submit" class="approve" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</div>
</form>`;
  const headers = pageHeaders(styleNonce, formActionSource(d.redirectUri));
  for (const cookie of extraHeaders?.getSetCookie() ?? []) headers.append("Set-Cookie", cookie);
  return new Response(layout(`Authorize ${d.clientName}`, body, styleNonce), {
    status: view.error ? 400 : 200,
    headers,
  });
}

/** A page that only explains a problem (unknown client, bad redirect URI, expired form…). */
export function problemPage(status: number, title: string, message: string): Response {
  const styleNonce = nonce();
  const body = `<h1>${escapeHtml(title)}</h1>
<p class="error" role="alert">${escapeHtml(message)}</p>
<p>Nothing was authorized. Start connecting again from the app.</p>`;
  return new Response(layout(title, body, styleNonce), { status, headers: pageHeaders(styleNonce) });
}
