// Workspace saves through the adapter on real containers and the test Worker's local R2
// bucket (WORKSPACE_BACKUPS): a container that goes away comes back from the last save,
// a save that fails keeps the previous one, and a save that vanished from the bucket
// makes the workspace start empty with a notice instead of failing every call.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { WorkspaceRef } from "../../src/sandbox/backend.ts";
import { backupObjectKeys } from "../../src/sandbox/cloudflare/backup-plan.ts";
import { sandboxIdFor } from "../../src/sandbox/cloudflare/sandbox-id.ts";
import {
  expectAppError,
  makeBackend,
  namespace,
  newWorkspace,
  REAL_TIMEOUT_MS,
  realRuntime,
  sandboxOf,
} from "./sandbox-cloudflare-setup.ts";

const opts = { timeoutMs: 60_000, outputLimitBytes: 65_536 };
const bucket = (env as unknown as { WORKSPACE_BACKUPS: R2Bucket }).WORKSPACE_BACKUPS;

/**
 * Stops the workspace's container outright (a crash: nothing saved on the way down) and
 * waits until its Durable Object has seen it stop, so the next call meets a new container
 * rather than the old one's late stop event.
 */
async function crash(ws: WorkspaceRef): Promise<void> {
  await sandboxOf(ws).destroy();
  const stub = namespace.get(namespace.idFromName(sandboxIdFor(ws.id)));
  // "stopped_with_code" until the object has run onStop, "stopped" after.
  for (let i = 0; i < 100 && (await stub.getState()).status !== "stopped"; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Ids of the saves in the bucket (each has an archive and a meta.json). */
async function saveIds(): Promise<Set<string>> {
  const listed = await bucket.list({ prefix: "backups/" });
  return new Set(listed.objects.map((o) => o.key.split("/")[1] as string));
}

describe.skipIf(!realRuntime)("cloudflare adapter: workspace saves", { timeout: REAL_TIMEOUT_MS }, () => {
  it("a container that went away comes back from the last save; later changes are lost; the first run says so once", async () => {
    const backend = makeBackend({ backups: true });
    const ws = newWorkspace();
    await backend.exec(ws, "echo saved > kept.txt", opts);
    const status = await backend.saveWorkspace(ws, "explicit");
    expect(status.lastSave).toMatchObject({ reason: "explicit", files: 1, bytes: 6 });
    await backend.exec(ws, "echo unsaved > late.txt", opts);
    await crash(ws);

    const first = await backend.exec(ws, "cat kept.txt; ls", opts);
    expect(first.stdout).toBe("saved\nkept.txt\n");
    expect(first.workspaceRestored).toMatchObject({ files: 1, bytes: 6, memory_reset: true });
    expect(first.workspaceRestored?.saved_at).toBe(status.lastSave?.savedAt);
    const second = await backend.exec(ws, "true", opts);
    expect(second.workspaceRestored).toBeUndefined();
    // File tools restore too, and do not consume the notice meant for a run.
    await crash(ws);
    expect(new TextDecoder().decode(await backend.readFile(ws, "kept.txt"))).toBe("saved\n");
    expect((await backend.runCode(ws, "1", "python", opts)).workspaceRestored).toBeDefined();
  });

  it("a save that fails (no room for the archive) keeps the previous one, objects and all", async () => {
    const backend = makeBackend({ backups: true });
    const ws = newWorkspace();
    await backend.exec(ws, "echo one > a.txt", opts);
    const good = await backend.saveWorkspace(ws, "explicit");
    const before = await saveIds();
    // The archive is built in /var/backups; fill that disk so mksquashfs fails for real.
    await backend.exec(
      ws,
      "echo two > b.txt; head -c 2000000000 /dev/zero > /var/backups/fill 2>/dev/null; true",
      opts,
    );
    const failed = await expectAppError(backend.saveWorkspace(ws, "explicit"), "BACKUP_FAILED");
    expect(failed.message).toMatch(/Saving the workspace failed/);
    expect(await saveIds()).toEqual(before);
    const status = await backend.backupStatus(ws);
    expect(status.lastSave?.savedAt).toBe(good.lastSave?.savedAt);
    expect(status.lastFailure).toMatchObject({ code: "BACKUP_FAILED", reason: "explicit" });

    await backend.exec(ws, "rm /var/backups/fill", opts);
    const retried = await backend.saveWorkspace(ws, "explicit");
    expect(retried).toMatchObject({ lastSave: { files: 2 }, lastFailure: null });
  });

  it("a save gone from the bucket: the workspace starts empty and the first run says why", async () => {
    const backend = makeBackend({ backups: true });
    const ws = newWorkspace();
    const before = await saveIds();
    await backend.exec(ws, "echo doomed > d.txt", opts);
    await backend.saveWorkspace(ws, "explicit");
    const [id] = [...(await saveIds())].filter((x) => !before.has(x));
    await bucket.delete(backupObjectKeys(id as string));
    await crash(ws);

    const first = await backend.exec(ws, "ls -A", opts);
    expect(first.stdout).toBe("");
    expect(first.workspaceRestored).toMatchObject({ files: 0, memory_reset: true });
    expect(first.workspaceRestored?.note).toMatch(/no longer in storage/);
    expect((await backend.backupStatus(ws)).lastSave).toBeNull();
  });

  it("reset deletes the workspace's saves", async () => {
    const backend = makeBackend({ backups: true });
    const ws = newWorkspace();
    const before = await saveIds();
    await backend.exec(ws, "echo x > x.txt", opts);
    await backend.saveWorkspace(ws, "explicit");
    expect((await saveIds()).size).toBe(before.size + 1);
    await backend.reset(ws);
    expect(await saveIds()).toEqual(before);
    expect((await backend.backupStatus(ws)).lastSave).toBeNull();
  });
});
