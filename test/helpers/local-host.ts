/**
 * Starts a real local sandbox host in-process on a random port with a throw-away root,
 * plus a `LocalSandboxBackend` pointed at it. Node only.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HostConfig, loadConfig } from "../../host/src/config.ts";
import { WORKSPACES_DIR } from "../../host/src/isolation/view.ts";
import { createSandboxHost, type SandboxHost } from "../../host/src/server.ts";
import { workspaceDirName } from "../../host/src/workspace/workspaces.ts";
import type { WorkspaceRef } from "../../src/sandbox/backend.ts";
import { LocalSandboxBackend } from "../../src/sandbox/local.ts";

export interface TestHost {
  host: SandboxHost;
  backend: LocalSandboxBackend;
  secret: string;
  root: string;
  config: HostConfig;
  newWorkspace: () => WorkspaceRef;
  /** Host directory of a workspace (for tests that check the host side). */
  hostDir: (ws: WorkspaceRef) => Promise<string>;
  /** Closes the host; removes the root unless `keepRoot`. */
  close: (options?: { keepRoot?: boolean }) => Promise<void>;
}

let counter = 0;

export async function startTestHost(overrides: Partial<HostConfig> = {}): Promise<TestHost> {
  const secret = randomBytes(24).toString("hex");
  const root = overrides.root ?? (await mkdtemp(join(tmpdir(), "codemode-host-")));
  const config: HostConfig = {
    ...loadConfig({ SANDBOX_HOST_SECRET: secret, SANDBOX_HOST_ROOT: root, SANDBOX_HOST_PORT: "0" }),
    ...overrides,
  };
  const host = await createSandboxHost({ ...config, log: () => undefined });
  const backend = new LocalSandboxBackend({ url: host.url, secret });
  const prefix = randomBytes(3).toString("hex");
  return {
    host,
    backend,
    secret,
    root,
    config,
    newWorkspace: () => ({ id: `t-${prefix}-${++counter}` }),
    async hostDir(ws) {
      const key = (await readFile(join(root, ".workspace-key"), "utf8")).trim();
      return join(root, WORKSPACES_DIR, workspaceDirName(key, ws.id));
    },
    async close(options = {}) {
      await host.close();
      if (!options.keepRoot) await rm(root, { recursive: true, force: true });
    },
  };
}

/** A Python fork bomb with a ceiling: prints "stopped …" when a process limit stops it. */
export const FORK_LOOP = `
import os, time
n = 0
try:
    while n < 5000:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        n += 1
    print("unbounded", n)
except OSError as e:
    print("stopped", n, e.errno)
`;
