/**
 * The consent page in a real headless browser (Debian's chromium through playwright-core)
 * against `wrangler dev`: a wrong token shows an error and issues no code, Deny redirects
 * with access_denied, Approve redirects with a code that the token endpoint exchanges for
 * a working token. A screenshot of the page is saved under test/artifacts/ (git-ignored).
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../helpers/stack.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = join(import.meta.dirname, "..", "artifacts");

let stack: Stack;
let browser: Browser;
// The app's side: a local callback server standing in for the client's redirect URI.
let app: Server;
let REDIRECT_URL = "";
const callbacks: URL[] = [];
beforeAll(async () => {
  app = createServer((req, res) => {
    callbacks.push(new URL(req.url ?? "/", REDIRECT_URL));
    res.writeHead(200, { "Content-Type": "text/html" }).end("<p>app callback</p>");
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  REDIRECT_URL = `http://127.0.0.1:${(app.address() as AddressInfo).port}/callback`;
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No browser at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH).`);
  }
  stack = await startStack();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});
afterAll(async () => {
  await new Promise((resolve) => app?.close(resolve));
  await browser?.close();
  await stack?.stop();
});

async function registerClient(): Promise<string> {
  const res = await fetch(`${stack.url}/oauth/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      client_name: "Browser test <app>",
      redirect_uris: [REDIRECT_URL],
      token_endpoint_auth_method: "none",
    }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { client_id: string }).client_id;
}

interface Started {
  page: Page;
  verifier: string;
  clientId: string;
  /** Where the browser was finally sent on the client's side (the redirect URI), if anywhere. */
  redirected: () => URL | undefined;
}

/** Opens the consent page for a fresh client in a fresh browser context. */
async function start(): Promise<Started> {
  const clientId = await registerClient();
  const verifier = randomBytes(32).toString("base64url");
  const state = `browser-${randomBytes(6).toString("hex")}`;
  const url = new URL(`${stack.url}/authorize`);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT_URL,
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    state,
    resource: stack.url,
  }).toString();
  const context = await browser.newContext();
  const page = await context.newPage();
  const response = await page.goto(url.href);
  expect(response?.status()).toBe(200);
  // Each client has its own state value, so its callback is told apart from others'.
  return {
    page,
    verifier,
    clientId,
    redirected: () => callbacks.find((u) => u.searchParams.get("state") === state),
  };
}

describe("the consent page in chromium", () => {
  it("shows who asks and where access goes, with labelled fields, strict CSP and no framing; saves a screenshot", async () => {
    const { page } = await start();
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toContain(
      "Browser test <app>",
    );
    await expect(page.getByText("127.0.0.1", { exact: false }).first().isVisible()).resolves.toBe(true);
    // The field is reachable by its label, and both buttons by their names.
    await expect(page.getByLabel("Your API token").isVisible()).resolves.toBe(true);
    await expect(page.getByRole("button", { name: "Approve" }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole("button", { name: "Deny" }).isVisible()).resolves.toBe(true);
    const headers = await (await page.request.get(page.url())).headers();
    expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(headers["content-security-policy"]).toContain("default-src 'none'");
    expect(headers["x-frame-options"]).toBe("DENY");
    // Readable on a phone: no horizontal scrolling at 375 px.
    await page.setViewportSize({ width: 375, height: 740 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    expect(overflow).toBe(false);
    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, "consent-page.png");
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`consent page screenshot: ${shot}`);
    expect(existsSync(shot)).toBe(true);
    await page.context().close();
  });

  it("a wrong token shows an error on the page and issues no code", async () => {
    const { page, redirected } = await start();
    await page.getByLabel("Your API token").fill("definitely-not-a-token-000");
    await page.getByRole("button", { name: "Approve" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("That API token is not valid");
    expect(redirected()).toBeUndefined();
    expect(page.url()).toContain("/authorize");
    // The same page still works with the right token afterwards.
    await page.getByLabel("Your API token").fill(stack.tokens.alice);
    await page.getByRole("button", { name: "Approve" }).click();
    await page.waitForURL(`${REDIRECT_URL}**`);
    expect(redirected()?.searchParams.get("code")).toBeTruthy();
    await page.context().close();
  });

  it("Deny redirects to the app with access_denied", async () => {
    const { page, redirected } = await start();
    await page.getByRole("button", { name: "Deny" }).click();
    await page.waitForURL(`${REDIRECT_URL}**`);
    expect(redirected()?.searchParams.get("error")).toBe("access_denied");
    expect(redirected()?.searchParams.get("iss")).toBe(stack.url);
    expect(redirected()?.searchParams.get("code")).toBeNull();
    await page.context().close();
  });

  it("Approve (keyboard only) redirects with a code that yields a token for alice", async () => {
    const { page, redirected, verifier, clientId } = await start();
    await page.getByLabel("Your API token").focus();
    await page.keyboard.type(stack.tokens.alice);
    await page.keyboard.press("Enter");
    await page.waitForURL(`${REDIRECT_URL}**`);
    const code = redirected()?.searchParams.get("code");
    expect(code).toBeTruthy();
    expect(redirected()?.searchParams.get("iss")).toBe(stack.url);
    const token = await fetch(`${stack.url}/oauth/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "authorization_code",
        client_id: clientId,
        code: code as string,
        code_verifier: verifier,
        redirect_uri: REDIRECT_URL,
      }),
    });
    expect(token.status).toBe(200);
    const { access_token } = (await token.json()) as { access_token: string };
    const client = await stack.connect(access_token);
    const info = await client.callTool({ name: "workspace_info", arguments: {} });
    expect((info.structuredContent as { principal: string }).principal).toBe("alice");
    await client.close();
    await page.context().close();
  });
});
