// The shared sandbox contract, run against the Cloudflare adapter twice: with the real SDK
// and real containers (the container server from ../shared/vendor, via the local runner),
// and with the SDK fake the other workers tests use.
import { describe } from "vitest";
import { describeSandboxContract } from "../contract/sandbox-contract.ts";
import { makeBackend, makeRealBackend, newWorkspace, realRuntime } from "./sandbox-cloudflare-setup.ts";

describe.skipIf(!realRuntime)("real runtime", () => {
  describeSandboxContract("cloudflare (real container runtime)", async () => ({
    backend: makeRealBackend(),
    ws: newWorkspace,
  }));
});

describeSandboxContract("cloudflare (SDK fake)", async () => ({
  backend: makeBackend({ hangGraceMs: 2_000 }),
  ws: newWorkspace,
  // The fake renders figures as a fixed PNG, which is all the contract checks.
  features: { images: true },
}));
