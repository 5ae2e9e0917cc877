/** The sandbox contract suite against the real local sandbox host. */
import { startTestHost } from "../helpers/local-host.ts";
import { describeSandboxContract } from "./sandbox-contract.ts";

describeSandboxContract("local sandbox host", async () => {
  const t = await startTestHost();
  return { backend: t.backend, ws: t.newWorkspace, teardown: () => t.close() };
});
