// The Cloudflare adapter's exec on real containers: what it sends through the SDK, how it
// reads timeouts, and how it gives up on a container that stopped answering. Output,
// exit codes, cwd/env and output caps are in the shared contract.
import { describe, expect, it } from "vitest";
import {
  limits,
  makeBackend,
  newWorkspace,
  REAL_TIMEOUT_MS,
  realRuntime,
  SandboxFaults,
} from "./sandbox-cloudflare-setup.ts";

describe.skipIf(!realRuntime)("cloudflare adapter: exec", { timeout: REAL_TIMEOUT_MS }, () => {
  it("goes through getSandbox() with the rpc transport and wraps commands in timeout -k", async () => {
    const faults = new SandboxFaults();
    const backend = makeBackend({}, faults);
    const ws = newWorkspace();
    // A cold start counts against the wait; start the container first.
    await makeBackend().exec(ws, "true", limits);
    const r = await backend.exec(ws, "echo 'it''s'", { ...limits, timeoutMs: 1_500 });
    expect(r).toMatchObject({ exitCode: 0, stdout: "its\n" });
    expect(faults.options).toMatchObject({ transport: "rpc", keepAlive: false, sleepAfter: "10m" });
    // The command's output goes to files the adapter reads afterwards (see exec.ts).
    const exec = faults.calls.find((c) => c.method === "exec" && String(c.args[0]).includes("timeout "));
    expect(String(exec?.args[0])).toContain(
      `timeout --verbose -k 2 1.500s bash -c 'echo '\\''it'\\'''\\''s'\\'''`,
    );
    expect(exec?.args[1]).toMatchObject({ cwd: "/workspace" });
    expect(faults.calls.map((c) => c.method)).toContain("readFile");
  });

  it("kills a command at its timeout, hides timeout's notice, and the next call works", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    await backend.exec(ws, "true", limits); // start the container first
    // Long enough for bash to start and print on a loaded machine.
    const r = await backend.exec(ws, "echo started; sleep 30", { ...limits, timeoutMs: 2_000 });
    expect(r).toMatchObject({ exitCode: null, terminated: "timeout", stdout: "started\n", stderr: "" });
    expect(r.durationMs).toBeLessThan(10_000);
    const next = await backend.exec(ws, "echo again", limits);
    expect(next).toMatchObject({ exitCode: 0, stdout: "again\n" });
  });

  it("does not mistake a command that exits 124 for a timeout", async () => {
    const r = await makeBackend().exec(newWorkspace(), "exit 124", limits);
    expect(r.exitCode).toBe(124);
    expect(r.terminated).toBeUndefined();
  });

  it("stops waiting for a stalled container and reports a timeout", async () => {
    const faults = new SandboxFaults();
    const backend = makeBackend({ hangGraceMs: 100 }, faults);
    const ws = newWorkspace();
    await backend.exec(ws, "true", limits); // start the container first
    faults.stall(true);
    const started = Date.now();
    const r = await backend.exec(ws, "echo never", { ...limits, timeoutMs: 200 });
    expect(r).toMatchObject({ exitCode: null, terminated: "timeout", stdout: "" });
    // timeout + kill grace (2 s) + hang grace, and no reads from the silent container.
    expect(Date.now() - started).toBeLessThan(2_000 + 200 + 100 + 1_000);
  });

  it("hands the output to onOutput, each stream once, when the command ends", async () => {
    const chunks: Array<[string, string]> = [];
    await makeBackend().exec(newWorkspace(), "echo one; echo two >&2", {
      ...limits,
      onOutput: (stream, chunk) => chunks.push([stream, chunk]),
    });
    expect(chunks).toEqual([
      ["stdout", "one\n"],
      ["stderr", "two\n"],
    ]);
  });

  it("keeps large output whole (the container server's streams lose the end of it)", async () => {
    const backend = makeBackend();
    const ws = newWorkspace();
    const r = await backend.exec(ws, "seq 1 100000", { ...limits, outputLimitBytes: 1_000_000 });
    expect(r.truncated.stdout).toBe(false);
    const lines = r.stdout.split("\n");
    expect(lines.length).toBe(100_001);
    expect(lines.at(-2)).toBe("100000");
  });

  it("rejects a cwd outside the workspace before running anything", async () => {
    const faults = new SandboxFaults();
    const backend = makeBackend({}, faults);
    await expect(backend.exec(newWorkspace(), "ls", { ...limits, cwd: "../etc" })).rejects.toMatchObject({
      code: "PATH_OUTSIDE_WORKSPACE",
    });
    expect(faults.calls.some((c) => c.method === "exec")).toBe(false);
  });
});
