/**
 * Issue 9's local-host parity: a restart of the sandbox host behaves like a container
 * restart on the Cloudflare backend. Files stay (they never left the disk), interpreter
 * memory does not, and the first run afterwards says so with the same
 * `workspace_restored` notice (saved_at null: nothing had to be restored), once.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkspaceRestored } from "../../src/shared/sandbox-schema.ts";
import { type Stack, startStack } from "../helpers/stack.ts";

interface Run {
  success: boolean;
  stdout: string;
  context_reset: boolean;
  error?: { name: string };
  workspace_restored?: WorkspaceRestored;
}

describe("a sandbox host restart on the local backend", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ backend: "local" });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const run = async (c: Client, code: string, language: string) => {
    const result = await c.callTool({ name: "execute_code", arguments: { code, language } });
    return result.structuredContent as Run;
  };

  it("keeps the files, resets memory, and the first run says workspace_restored once", async () => {
    const c = await stack.connect(stack.tokens.alice, { workspace: "host-restart" });
    expect(
      (await run(c, "printf 'kept\\n' > notes.txt && head -c 1000 /dev/zero > data.bin", "bash")).success,
    ).toBe(true);
    const before = await run(c, "x = 41\nx + 1", "python");
    expect(before.workspace_restored).toBeUndefined();
    const untouched = await stack.connect(stack.tokens.bob, { workspace: "bash-only" });
    await run(untouched, "echo hi > a.txt", "bash");

    await stack.restartHost();

    const again = await stack.connect(stack.tokens.alice, { workspace: "host-restart" });
    const first = await run(again, "cat notes.txt", "bash");
    expect(first.stdout).toBe("kept\n");
    expect(first.context_reset).toBe(true);
    expect(first.workspace_restored).toMatchObject({
      files: 2,
      bytes: 1005,
      saved_at: null,
      memory_reset: true,
    });
    const second = await run(again, "x", "python");
    expect(second.error?.name).toBe("NameError");
    expect(second.context_reset).toBe(true);
    expect(second.workspace_restored).toBeUndefined(); // told once

    // A workspace that had no interpreter alive lost nothing: no notice.
    const other = await stack.connect(stack.tokens.bob, { workspace: "bash-only" });
    const plain = await run(other, "cat a.txt", "bash");
    expect(plain).toMatchObject({ stdout: "hi\n", context_reset: false });
    expect(plain.workspace_restored).toBeUndefined();
  }, 180_000);
});
