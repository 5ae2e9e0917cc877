/**
 * Issue 9 (part A) on the real runtime: `wrangler dev` with the development entry, real
 * Cloudflare Sandbox container servers run by the local container runner, and miniflare's
 * local R2 as the WORKSPACE_BACKUPS bucket. The containers sleep after a few idle seconds
 * (SANDBOX_SLEEP_AFTER_SECONDS), so the real onActivityExpired path saves the workspace.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkspaceRestored } from "../../src/shared/sandbox-schema.ts";
import { realRuntimeSkipReason } from "../helpers/container-runner.ts";
import { type Stack, startStack } from "../helpers/stack.ts";

const skip = realRuntimeSkipReason();
if (skip) console.warn(skip);

const SLEEP_AFTER_SECONDS = 10; // the least SANDBOX_SLEEP_AFTER_SECONDS allows
/** Unnamed workspaces expire after this long unused (named ones never do). */
const EXPIRY_SECONDS = 20;

interface Run {
  success: boolean;
  stdout: string;
  stderr: string;
  context_reset: boolean;
  error?: { name: string };
  workspace_restored?: WorkspaceRestored;
}

describe.skipIf(skip !== null)("workspace saves on the cloudflare backend", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      backend: "cloudflare",
      vars: {
        SANDBOX_SLEEP_AFTER_SECONDS: String(SLEEP_AFTER_SECONDS),
        WORKSPACE_BACKUP_MAX_BYTES: "60000000",
        WORKSPACE_IDLE_TTL_SECONDS: String(EXPIRY_SECONDS),
      },
    });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  async function tool<T>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<T> {
    const result = await client.callTool({ name, arguments: args });
    expect(result.isError, `${name}: ${JSON.stringify(result.content)}`).toBeFalsy();
    return result.structuredContent as T;
  }
  const run = (c: Client, code: string, language = "bash") =>
    tool<Run>(c, "execute_code", { code, language, timeout_seconds: 120 });

  /** Waits until the container has stopped by itself (the idle timer, not the test). */
  async function asleep(id: string, ms = 90_000): Promise<void> {
    const deadline = Date.now() + ms;
    while ((await stack.containers.running()).includes(id)) {
      if (Date.now() > deadline) throw new Error(`container ${id} still running after ${ms} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  // Checksums of every file but the excluded ones, as the sandbox sees them.
  const CHECKSUMS =
    "cd /workspace && find . -type f ! -path './.outputs/*' ! -path './scratch/*' ! -name '*.tmp' -print0 | sort -z | xargs -0 sha256sum";

  it("done-when 1: files and a 50 MB file come back byte for byte after an idle sleep; the first result says workspace_restored and that memory was reset", async () => {
    const c = await stack.connect(stack.tokens.alice, { workspace: "saved-ws" });
    const container = await stack.containers.startedBy(() => run(c, "true"));
    const setup = await run(
      c,
      [
        "set -e",
        "mkdir -p src/deep/er data .outputs scratch",
        "printf 'hello\\n' > notes.txt",
        "printf 'print(42)\\n' > src/main.py",
        "printf 'x' > src/deep/er/one-byte",
        "head -c 50000000 /dev/urandom > data/big.bin",
        "ln -s ../notes.txt src/link-to-notes",
        "printf 'spill\\n' > .outputs/old.txt",
        "printf 'scratch\\n' > scratch/tmp.txt",
        "printf 'junk\\n' > cache.tmp",
        "printf '# not saved\\nscratch/\\n*.tmp\\n' > .workspaceignore",
        CHECKSUMS,
      ].join("\n"),
    );
    expect(setup.success, setup.stderr).toBe(true);
    const before = setup.stdout.split("\n").filter(Boolean).sort();
    expect(before.some((l) => l.endsWith("./data/big.bin"))).toBe(true);
    const py = await run(c, "kept = 41\nkept + 1", "python");
    expect(py.success).toBe(true);

    await asleep(container);
    // The save happened as the container went to sleep.
    const saves = await stack.backupKeys(container);
    expect(saves.some((k) => k.endsWith("/data.sqsh"))).toBe(true);

    // A new session on the same workspace: the first result tells the model.
    const again = await stack.connect(stack.tokens.alice, { workspace: "saved-ws" });
    const first = await run(again, "kept", "python");
    expect(first.workspace_restored).toMatchObject({ memory_reset: true, files: before.length });
    expect(first.workspace_restored?.bytes).toBeGreaterThan(50_000_000);
    expect(first.context_reset).toBe(true);
    expect(first.error?.name).toBe("NameError");

    const after = await run(again, CHECKSUMS);
    expect(after.workspace_restored).toBeUndefined(); // told once
    expect(after.stdout.split("\n").filter(Boolean).sort()).toEqual(before);
    const excluded = await run(
      again,
      "ls -A .outputs scratch 2>&1; test -e cache.tmp && echo cache-present; readlink src/link-to-notes",
    );
    expect(excluded.stdout).not.toContain("old.txt");
    expect(excluded.stdout).not.toContain("tmp.txt");
    expect(excluded.stdout).not.toContain("cache-present");
    expect(excluded.stdout).toContain("../notes.txt");

    const info = await tool<{ saves: { last_save: { reason: string; files: number } | null } }>(
      again,
      "workspace_info",
    );
    expect(info.saves.last_save).toMatchObject({ reason: "sleep", files: before.length });
  }, 300_000);

  it("save_workspace saves now; reset_workspace deletes the saves from the bucket", async () => {
    const c = await stack.connect(stack.tokens.bob, { workspace: "reset-me" });
    const container = await stack.containers.startedBy(() => run(c, "echo keep > a.txt"));
    const saved = await tool<{ saved: boolean; saves: { last_save: { files: number } } }>(
      c,
      "save_workspace",
    );
    expect(saved).toMatchObject({ saved: true, saves: { last_save: { files: 1 } } });
    const mine = await stack.backupKeys(container);
    expect(mine).toHaveLength(2); // the archive and its metadata
    const unchanged = await tool<{ saved: boolean }>(c, "save_workspace");
    expect(unchanged.saved).toBe(false); // nothing changed: no new copy
    expect(await stack.backupKeys(container)).toEqual(mine);

    // A second save replaces the first: the old objects are deleted once the new one is complete.
    await run(c, "echo more > b.txt");
    await tool(c, "save_workspace");
    const afterSecond = await stack.backupKeys(container);
    expect(afterSecond).toHaveLength(2);
    expect(afterSecond).not.toEqual(mine);

    await tool(c, "reset_workspace");
    expect(await stack.backupKeys(container)).toEqual([]);
    const info = await tool<{ saves: { last_save: unknown } }>(c, "workspace_info");
    expect(info.saves.last_save).toBeNull();
  }, 180_000);

  it("a workspace over WORKSPACE_BACKUP_MAX_BYTES is refused with WORKSPACE_TOO_LARGE and the previous save stands; .workspaceignore lets it save again", async () => {
    const c = await stack.connect(stack.tokens.alice, { workspace: "too-big" });
    const container = await stack.containers.startedBy(() => run(c, "echo small > small.txt"));
    const first = await tool<{ saves: { last_save: { saved_at: string } } }>(c, "save_workspace");
    const keys = await stack.backupKeys(container);
    expect(keys).toHaveLength(2);

    await run(c, "mkdir -p build && head -c 70000000 /dev/zero > build/blob");
    const refused = await c.callTool({ name: "save_workspace", arguments: {} });
    expect(refused.isError).toBe(true);
    const text = (refused.content as Array<{ text: string }>)[0]?.text ?? "";
    expect(text).toMatch(
      /^WORKSPACE_TOO_LARGE: The workspace holds \d+ bytes in 2 files, over the 60000000-byte limit/,
    );
    expect(text).toContain(".workspaceignore");
    expect(await stack.backupKeys(container)).toEqual(keys); // nothing written, nothing deleted
    const info = await tool<{ saves: { last_save: { saved_at: string }; last_failure: { code: string } } }>(
      c,
      "workspace_info",
    );
    expect(info.saves.last_save.saved_at).toBe(first.saves.last_save.saved_at);
    expect(info.saves.last_failure.code).toBe("WORKSPACE_TOO_LARGE");

    await run(c, "echo build > .workspaceignore");
    const saved = await tool<{ saved: boolean; saves: { last_save: { files: number }; last_failure: null } }>(
      c,
      "save_workspace",
    );
    expect(saved).toMatchObject({ saved: true, saves: { last_save: { files: 2 }, last_failure: null } });
  }, 180_000);

  it("done-when 3: an unnamed workspace's expiry deletes its saves from the bucket", async () => {
    const c = await stack.connect(stack.tokens.bob); // unnamed: expires when unused
    const container = await stack.containers.startedBy(() => run(c, "echo temporary > t.txt"));
    await tool(c, "save_workspace");
    expect(await stack.backupKeys(container)).toHaveLength(2);
    await asleep(container); // untouched since the save: falls asleep without a new one
    expect(await stack.backupKeys(container)).toHaveLength(2);

    const deadline = Date.now() + (EXPIRY_SECONDS + 60) * 1000;
    while ((await stack.backupKeys(container)).length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(await stack.backupKeys(container)).toEqual([]);
  }, 180_000);

  it("the end of a task saves the files it made", async () => {
    const c = await stack.connect(stack.tokens.alice, { workspace: "task-saves" });
    const task = await tool<{ task_id: string }>(c, "start_task", { command: "echo made > by-task.txt" });
    const deadline = Date.now() + 60_000;
    let reason: string | undefined;
    while (reason !== "task" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      const info = await tool<{ saves: { last_save: { reason: string; files: number } | null } }>(
        c,
        "workspace_info",
      );
      reason = info.saves.last_save?.reason;
    }
    expect(reason).toBe("task");
    const status = await tool<{ state: string }>(c, "task_status", { task_id: task.task_id });
    expect(status.state).toBe("completed");
  }, 120_000);
});
