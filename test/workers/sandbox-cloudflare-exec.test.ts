import { describe, expect, it } from "vitest";
import { callsTo, fakeFor, limits, makeBackend, newWorkspace, untext } from "./sandbox-cloudflare-setup.ts";

describe("cloudflare adapter: exec", () => {
  it("runs a command in /workspace and returns both streams and the exit code", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    const r = await backend.exec(ws, 'echo "out $GREETING"; pwd; echo err >&2; exit 3', {
      ...limits,
      env: { GREETING: "hi" },
    });
    expect(r).toMatchObject({
      exitCode: 3,
      stdout: "out hi\n/workspace\n",
      stderr: "err\n",
      truncated: { stdout: false, stderr: false },
      fullOutput: {},
    });
    expect(r.terminated).toBeUndefined();
  });

  it("goes through getSandbox() with the rpc transport and wraps commands in timeout -k", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    await backend.exec(ws, "echo 'it''s'", { ...limits, timeoutMs: 1_500 });
    const calls = await callsTo(ws);
    const configure = calls.find((c) => c.method === "configure");
    expect(configure?.args[0]).toMatchObject({ transport: "rpc", keepAlive: false, sleepAfter: "10m" });
    // The command's output goes to files the adapter reads afterwards (see exec.ts).
    const exec = calls.find((c) => c.method === "exec" && String(c.args[0]).includes("timeout "));
    expect(String(exec?.args[0])).toContain(
      `timeout --verbose -k 2 1.500s bash -c 'echo '\\''it'\\'''\\''s'\\'''`,
    );
    expect(exec?.args[1]).toMatchObject({ cwd: "/workspace" });
  });

  it("kills a command at its timeout, hides timeout's notice, and the next call works", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    const r = await backend.exec(ws, "echo started; sleep 30", { ...limits, timeoutMs: 300 });
    expect(r).toMatchObject({ exitCode: null, terminated: "timeout", stdout: "started\n", stderr: "" });
    expect(r.durationMs).toBeLessThan(2_000);
    const next = await backend.exec(ws, "echo again", limits);
    expect(next).toMatchObject({ exitCode: 0, stdout: "again\n" });
  });

  it("does not mistake a command that exits 124 for a timeout", async () => {
    const r = await makeBackend().exec(newWorkspace(), "exit 124", limits);
    expect(r.exitCode).toBe(124);
    expect(r.terminated).toBeUndefined();
  });

  it("stops waiting for a stalled container and reports a timeout", async () => {
    const backend = makeBackend({ hangGraceMs: 100 });
    const ws = newWorkspace();
    await backend.exec(ws, "true", limits); // configure + warm
    const fake = fakeFor(ws);
    await fake.testStall(true);
    try {
      const started = Date.now();
      const r = await backend.exec(ws, "echo never", { ...limits, timeoutMs: 200 });
      expect(r).toMatchObject({ exitCode: null, terminated: "timeout" });
      expect(Date.now() - started).toBeLessThan(2_000 + 200 + 100 + 1_000);
    } finally {
      await fake.testStall(false);
    }
  });

  it("streams output chunks to onOutput", async () => {
    const chunks: Array<[string, string]> = [];
    await makeBackend().exec(newWorkspace(), "echo one; echo two >&2", {
      ...limits,
      onOutput: (stream, chunk) => chunks.push([stream, chunk]),
    });
    // Callbacks cross RPC asynchronously; give the last one a moment.
    await new Promise((r) => setTimeout(r, 20));
    expect(chunks).toEqual([
      ["stdout", "one\n"],
      ["stderr", "two\n"],
    ]);
  });

  it("caps each stream, keeps head and tail, and saves the full stream in the workspace", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    const r = await backend.exec(ws, "seq 1 5000", { ...limits, outputLimitBytes: 1_024 });
    expect(r.truncated).toEqual({ stdout: true, stderr: false });
    const path = r.fullOutput.stdout;
    expect(path).toMatch(/^\/workspace\/\.outputs\/[0-9a-f-]+\.stdout\.log$/);
    expect(r.stdout.startsWith("1\n2\n3\n")).toBe(true);
    expect(r.stdout.endsWith("4999\n5000\n")).toBe(true);
    expect(r.stdout).toContain(`complete output in ${path}`);
    expect(new TextEncoder().encode(r.stdout).byteLength).toBeLessThan(1_024 + 200);
    const full = untext(await backend.readFile(ws, path as string));
    expect(full.split("\n").length).toBe(5001);
  });

  it("rejects a cwd outside the workspace before running anything", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    await expect(backend.exec(ws, "ls", { ...limits, cwd: "../etc" })).rejects.toMatchObject({
      code: "PATH_OUTSIDE_WORKSPACE",
    });
    const calls = await callsTo(ws);
    expect(calls.some((c) => c.method === "exec")).toBe(false);
  });
});
