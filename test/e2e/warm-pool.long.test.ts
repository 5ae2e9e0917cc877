/**
 * Issue 9, warm starts: with `SANDBOX_WARM_POOL_SIZE`, a new workspace gets a container
 * that was started before the workspace existed, and pooled containers are never shared:
 * each goes to one workspace only, so one principal's files never meet another's. Real
 * containers (the local container runner) behind `wrangler dev`.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { realRuntimeSkipReason } from "../helpers/container-runner.ts";
import { type Stack, startStack } from "../helpers/stack.ts";

const POOL_SIZE = 2;
const skip = realRuntimeSkipReason();
if (skip) console.warn(skip);

/** Seconds since the container's first process started (its PID 1), from inside it. */
const CONTAINER_AGE = [
  "import os",
  "fields = open('/proc/1/stat').read().rsplit(')', 1)[1].split()",
  "started = int(fields[19]) / os.sysconf('SC_CLK_TCK')",
  "print(round(float(open('/proc/uptime').read().split()[0]) - started, 1))",
].join("\n");

describe.skipIf(skip !== null)("warm pool (cloudflare backend)", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ backend: "cloudflare", vars: { SANDBOX_WARM_POOL_SIZE: String(POOL_SIZE) } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function tool<T>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
    const result = await client.callTool({ name, arguments: args });
    expect(result.isError, `${name}: ${JSON.stringify(result.content)}`).toBeFalsy();
    return result.structuredContent as T;
  }
  const sandboxOf = async (c: Client) =>
    (await tool<{ sandboxId: string }>(c, "workspace_info", {})).sandboxId;
  const ageOf = async (c: Client) =>
    Number(
      (await tool<{ stdout: string }>(c, "execute_code", { code: CONTAINER_AGE, language: "python" })).stdout,
    );

  async function poolFull(expected: number): Promise<void> {
    const deadline = Date.now() + 60_000;
    while ((await stack.containers.running()).length < expected) {
      if (Date.now() > deadline) throw new Error(`the pool did not start ${expected} containers`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  it("a new workspace runs on a container started before it; pooled containers go to one workspace each", {
    timeout: 180_000,
  }, async () => {
    // The first new workspace finds the pool empty (nothing primed it yet): it gets its
    // own derived sandbox, and its creation starts the pool.
    const first = await stack.connect(stack.tokens.alice, { workspace: "primer" });
    await poolFull(POOL_SIZE);
    expect(await sandboxOf(first)).toMatch(/^w[0-9a-f]{32}$/);
    await new Promise((r) => setTimeout(r, 3_000));

    const alice = await stack.connect(stack.tokens.alice, { workspace: "warm-a" });
    // The first call of the new workspace lands on a container that was already running.
    expect(await ageOf(alice)).toBeGreaterThanOrEqual(3);
    const aliceSandbox = await sandboxOf(alice);
    expect(aliceSandbox).toMatch(/^p[0-9a-f]{32}$/);
    await tool(alice, "write_file", { path: "secret.txt", content: "alice only" });

    const bob = await stack.connect(stack.tokens.bob, { workspace: "warm-b" });
    const bobSandbox = await sandboxOf(bob);
    expect(bobSandbox).toMatch(/^p[0-9a-f]{32}$/);
    expect(bobSandbox).not.toBe(aliceSandbox);
    const files = await tool<{ entries: Array<{ path: string }> }>(bob, "list_files", {});
    expect(files.entries.map((e) => e.path)).toEqual([]);

    // The pool refills with new containers; later workspaces never get a claimed one.
    const claimed = new Set([aliceSandbox, bobSandbox]);
    for (const name of ["warm-c", "warm-d", "warm-e"]) {
      const c = await stack.connect(stack.tokens.alice, { workspace: name });
      const id = await sandboxOf(c);
      expect(claimed.has(id), `${name} got ${id} again`).toBe(false);
      claimed.add(id);
      await c.close();
    }
    // The workspaces keep their sandboxes: reconnecting finds alice's file.
    const again = await stack.connect(stack.tokens.alice, { workspace: "warm-a" });
    expect(await sandboxOf(again)).toBe(aliceSandbox);
    expect(await tool<{ content: string }>(again, "read_file", { path: "secret.txt" })).toMatchObject({
      content: "alice only",
    });
  });
});
