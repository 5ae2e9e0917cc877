// The shared sandbox contract, run against the Cloudflare adapter with the real SDK
// getSandbox() proxy and the fake Sandbox Durable Object (containers cannot run here).
import { describeSandboxContract } from "../contract/sandbox-contract.ts";
import { makeBackend, newWorkspace } from "./sandbox-cloudflare-setup.ts";

describeSandboxContract("cloudflare (SDK fake)", async () => ({
  backend: makeBackend({ hangGraceMs: 2_000 }),
  ws: newWorkspace,
  // The fake renders figures as a fixed PNG, which is all the contract checks.
  features: { images: true },
}));
