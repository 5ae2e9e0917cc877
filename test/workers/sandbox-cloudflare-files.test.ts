// The Cloudflare adapter's file operations on real containers: base64 transfer, the
// error codes users see, path confinement (lexical and through symlinks), and a container
// that is starting or stopped answering.
import { describe, expect, it } from "vitest";
import {
  expectAppError,
  limits,
  makeBackend,
  newWorkspace,
  REAL_TIMEOUT_MS,
  realRuntime,
  SandboxFaults,
  text,
  untext,
} from "./sandbox-cloudflare-setup.ts";

describe.skipIf(!realRuntime)("cloudflare adapter: files", { timeout: REAL_TIMEOUT_MS }, () => {
  it("round-trips binary content through base64", async () => {
    const faults = new SandboxFaults();
    const backend = makeBackend({}, faults);
    const ws = newWorkspace();
    const bytes = new Uint8Array(256).map((_, i) => i);
    await backend.writeFile(ws, "bin/all-bytes.dat", bytes);
    expect(await backend.readFile(ws, "/workspace/bin/all-bytes.dat")).toEqual(bytes);
    const write = faults.calls.find((c) => c.method === "writeFile");
    expect(write?.args[0]).toBe("/workspace/bin/all-bytes.dat");
    expect(write?.args[2]).toEqual({ encoding: "base64" });
    const check = await backend.exec(ws, "od -An -tx1 bin/all-bytes.dat | tr -d ' \\n' | head -c 16", limits);
    expect(check.stdout).toBe("000102030405060708090a0b0c0d0e0f".slice(0, 16));
  });

  it("lists, stats, creates directories and deletes files and directories", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    await backend.mkdir(ws, "a/b");
    await backend.writeFile(ws, "a/b/c.txt", text("hello"));
    await backend.writeFile(ws, ".hidden", text("x"));

    const top = await backend.listFiles(ws, ".", false);
    expect(top.map((e) => [e.path, e.type])).toEqual([
      ["/workspace/.hidden", "file"],
      ["/workspace/a", "directory"],
    ]);
    const all = await backend.listFiles(ws, "a", true);
    expect(all.map((e) => e.path)).toEqual(["/workspace/a/b", "/workspace/a/b/c.txt"]);
    expect(all[1]).toMatchObject({ size: 5, type: "file" });
    expect(Number.isNaN(Date.parse(all[1]?.modifiedAt ?? ""))).toBe(false);

    expect(await backend.stat(ws, "a/b/c.txt")).toMatchObject({
      path: "/workspace/a/b/c.txt",
      type: "file",
      size: 5,
    });
    expect(await backend.stat(ws, "a")).toMatchObject({ type: "directory" });
    expect(await backend.stat(ws, "missing")).toBeNull();

    await backend.deleteFile(ws, "a/b/c.txt");
    expect(await backend.stat(ws, "a/b/c.txt")).toBeNull();
    await backend.deleteFile(ws, "a");
    expect(await backend.stat(ws, "a")).toBeNull();
    await expectAppError(backend.deleteFile(ws, "/workspace"), "INVALID_PATH");
  });

  it("maps missing files and directories to our error codes", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    await expectAppError(backend.readFile(ws, "nope.txt"), "FILE_NOT_FOUND");
    await expectAppError(backend.deleteFile(ws, "nope.txt"), "FILE_NOT_FOUND");
    await expectAppError(backend.listFiles(ws, "nope", false), "FILE_NOT_FOUND");
    await backend.mkdir(ws, "dir");
    await expectAppError(backend.readFile(ws, "dir"), "NOT_A_FILE");
    await backend.writeFile(ws, "f.txt", text("x"));
    await expectAppError(backend.listFiles(ws, "f.txt", false), "NOT_A_DIRECTORY");
  });

  it("rejects lexical escapes without calling the sandbox", async () => {
    const faults = new SandboxFaults();
    const backend = makeBackend({}, faults);
    const ws = newWorkspace();
    for (const path of [
      "../etc/passwd",
      "/etc/passwd",
      "a/../../etc",
      "/workspacefoo/x",
      "/workspace/../x",
    ]) {
      await expectAppError(backend.readFile(ws, path), "PATH_OUTSIDE_WORKSPACE");
    }
    await expectAppError(backend.writeFile(ws, "a\0b", text("x")), "INVALID_PATH");
    // Nothing may reach the container.
    expect(faults.calls).toEqual([]);
  });

  it("rejects symlinks that resolve outside the workspace, but may delete the link itself", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    await backend.exec(
      ws,
      "mkdir -p /tmp/secret && echo s3cret > /tmp/secret/key && ln -s /tmp/secret out",
      limits,
    );
    await backend.exec(ws, "mkdir -p real && ln -s real inside", limits);

    await expectAppError(backend.readFile(ws, "out/key"), "PATH_OUTSIDE_WORKSPACE");
    await expectAppError(backend.writeFile(ws, "out/new", text("x")), "PATH_OUTSIDE_WORKSPACE");
    await expectAppError(backend.listFiles(ws, "out", false), "PATH_OUTSIDE_WORKSPACE");
    await expectAppError(backend.mkdir(ws, "out/d"), "PATH_OUTSIDE_WORKSPACE");
    await expectAppError(backend.stat(ws, "out/key"), "PATH_OUTSIDE_WORKSPACE");

    // Links inside the workspace work, and a link is stat-ed and deleted as itself.
    await backend.writeFile(ws, "inside/f.txt", text("ok"));
    expect(untext(await backend.readFile(ws, "real/f.txt"))).toBe("ok");
    expect(await backend.stat(ws, "out")).toMatchObject({ type: "symlink" });
    await backend.deleteFile(ws, "out");
    const check = await backend.exec(ws, "cat /tmp/secret/key", limits);
    expect(check.stdout).toBe("s3cret\n");
  });

  it("maps an unavailable container to SANDBOX_UNAVAILABLE", async () => {
    const faults = new SandboxFaults();
    const backend = makeBackend({}, faults);
    const ws = newWorkspace();
    await backend.writeFile(ws, "f.txt", text("x"));
    faults.failNext({
      method: "readFile",
      name: "ContainerUnavailableError",
      code: "CONTAINER_UNAVAILABLE",
      message: "Container is starting",
    });
    const e = await expectAppError(backend.readFile(ws, "f.txt"), "SANDBOX_UNAVAILABLE");
    expect(e.message).toContain("Container is starting");
    expect(e.suggestion).toMatch(/retry/);
  });

  it("reports a hung file operation as SANDBOX_UNAVAILABLE after the call deadline", async () => {
    const faults = new SandboxFaults();
    const ws = newWorkspace();
    await makeBackend().writeFile(ws, "f.txt", text("x"));
    const backend = makeBackend({ callTimeoutMs: 300 }, faults);
    faults.stall(true);
    const e = await expectAppError(backend.readFile(ws, "f.txt"), "SANDBOX_UNAVAILABLE");
    expect(e.message).toMatch(/did not answer within 300 ms/);
  });
});
