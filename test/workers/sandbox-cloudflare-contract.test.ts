// The shared sandbox contract, run against the Cloudflare adapter with the real SDK and
// real containers (the container server from ../shared/vendor, via the local runner).
import { describe } from "vitest";
import { describeSandboxContract } from "../contract/sandbox-contract.ts";
import { makeBackend, newWorkspace, realRuntime } from "./sandbox-cloudflare-setup.ts";

describe.skipIf(!realRuntime)("real runtime", () => {
  describeSandboxContract("cloudflare (real container runtime)", async () => ({
    backend: makeBackend(),
    ws: newWorkspace,
  }));
});
