/**
 * The behaviour every `SandboxBackend` must show, written once against the interface.
 * Runs against the local host (Node) and the Cloudflare adapter on real containers
 * (workerd, the local container runner), so it uses nothing but the backend: no `node:`
 * modules, no direct filesystem access.
 *
 * @example
 * describeSandboxContract("local host", async () => {
 *   const host = await startHost();
 *   return { backend: host.backend, ws: host.newWorkspace, teardown: host.close };
 * });
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SandboxBackend, WorkspaceRef } from "../../src/sandbox/backend.ts";

export interface ContractSetup {
  backend: SandboxBackend;
  /** A fresh, empty workspace on every call. */
  ws: () => WorkspaceRef;
  teardown?: () => Promise<void>;
  /** Backends (or fakes) that cannot render matplotlib figures set `images: false`. */
  features?: { images?: boolean };
}

const T = 60_000;
const LIMIT = 64 * 1024;
const enc = new TextEncoder();
const dec = new TextDecoder();

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected an error with code ${code}`).toBeDefined();
  expect((caught as { code?: unknown }).code).toBe(code);
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function describeSandboxContract(label: string, setup: () => Promise<ContractSetup>): void {
  describe(`sandbox contract: ${label}`, () => {
    let env: ContractSetup;
    const used: WorkspaceRef[] = [];
    const fresh = (): WorkspaceRef => {
      const ref = env.ws();
      used.push(ref);
      return ref;
    };
    const b = () => env.backend;
    const run = (
      ws: WorkspaceRef,
      code: string,
      language: "python" | "javascript" | "typescript",
      timeoutMs = 20_000,
    ) => b().runCode(ws, code, language, { timeoutMs, outputLimitBytes: LIMIT });
    const exec = (ws: WorkspaceRef, command: string, timeoutMs = 20_000) =>
      b().exec(ws, command, { timeoutMs, outputLimitBytes: LIMIT });

    beforeAll(async () => {
      env = await setup();
    }, 120_000);
    afterEach(async () => {
      await Promise.all(used.splice(0).map((ref) => env.backend.reset(ref).catch(() => undefined)));
    }, T);
    afterAll(async () => {
      await env?.teardown?.();
    }, T);

    describe("exec", () => {
      it(
        "runs bash in /workspace and reports exit codes and stderr",
        async () => {
          const ws = fresh();
          const r = await exec(ws, "echo $((6*7)); pwd; echo oops >&2; exit 3");
          expect(r.stdout).toBe("42\n/workspace\n");
          expect(r.stderr).toBe("oops\n");
          expect(r.exitCode).toBe(3);
          expect(r.truncated).toEqual({ stdout: false, stderr: false });
          expect(r.terminated).toBeUndefined();
        },
        T,
      );

      it(
        "honours cwd and env",
        async () => {
          const ws = fresh();
          await b().mkdir(ws, "sub/dir");
          const r = await b().exec(ws, 'pwd; echo "$GREETING"', {
            cwd: "/workspace/sub/dir",
            env: { GREETING: "hello" },
            timeoutMs: 20_000,
            outputLimitBytes: LIMIT,
          });
          expect(r.stdout).toBe("/workspace/sub/dir\nhello\n");
        },
        T,
      );

      it(
        "kills a command at its timeout, keeps the output so far, and the next call works",
        async () => {
          const ws = fresh();
          const r = await exec(ws, "echo before; sleep 30; echo after", 1_500);
          expect(r.terminated).toBe("timeout");
          expect(r.exitCode).toBeNull();
          expect(r.stdout).toContain("before");
          expect(r.stdout).not.toContain("after");
          expect(r.durationMs).toBeLessThan(15_000);
          expect((await exec(ws, "echo again")).stdout).toBe("again\n");
        },
        T,
      );

      it(
        "caps output with head and tail and saves the full stream in the workspace",
        async () => {
          const ws = fresh();
          const r = await b().exec(ws, "seq 1 100000", { timeoutMs: 20_000, outputLimitBytes: 4096 });
          expect(r.exitCode).toBe(0);
          expect(r.truncated.stdout).toBe(true);
          expect(r.stdout.startsWith("1\n2\n3\n")).toBe(true);
          expect(r.stdout.endsWith("99999\n100000\n")).toBe(true);
          expect(r.stdout.length).toBeLessThan(4096 + 400);
          expect(r.stdout).toMatch(/omitted/);
          const full = r.fullOutput.stdout;
          expect(full).toMatch(/^\/workspace\//);
          const text = dec.decode(await b().readFile(ws, full ?? ""));
          expect(text.length).toBe(588_895);
          expect(text.endsWith("100000\n")).toBe(true);
        },
        T,
      );
    });

    describe("runCode", () => {
      it(
        "prints from python",
        async () => {
          const r = await run(fresh(), "print(1+1)", "python");
          expect(r.success).toBe(true);
          expect(r.stdout).toBe("2\n");
          expect(r.contextReset).toBe(false);
        },
        T,
      );

      for (const [language, define, use] of [
        ["python", "x = 41", "print(x + 1)"],
        ["javascript", "let x = 41", "console.log(x + 1)"],
        ["typescript", "const x: number = 41", "const y: number = x + 1; console.log(y)"],
      ] as const) {
        it(
          `keeps ${language} variables between calls`,
          async () => {
            const ws = fresh();
            expect((await run(ws, define, language)).success).toBe(true);
            const r = await run(ws, use, language);
            expect(r.error).toBeUndefined();
            expect(r.stdout).toBe("42\n");
            // a cell may be run again without "already declared" errors
            expect((await run(ws, define, language)).success).toBe(true);
          },
          T,
        );
      }

      it(
        "returns the value of a trailing expression",
        async () => {
          const ws = fresh();
          expect((await run(ws, "a = 6\na * 7", "python")).result).toBe("42");
          expect((await run(ws, "'x' * 3", "python")).result).toBe("'xxx'");
          expect((await run(ws, "None", "python")).result).toBeUndefined();
          expect((await run(ws, "const a = 6;\na * 7", "javascript")).result).toBe("42");
          expect((await run(ws, "const v = await Promise.resolve(5); v * 2", "javascript")).result).toBe(
            "10",
          );
          expect((await run(ws, "const n: number = 2; n ** 5", "typescript")).result).toBe("32");
        },
        T,
      );

      it(
        "reports exceptions as results and keeps the context",
        async () => {
          const ws = fresh();
          await run(ws, "keep = 'still here'", "python");
          const py = await run(ws, "print('partial')\n1/0", "python");
          expect(py.success).toBe(false);
          expect(py.stdout).toBe("partial\n");
          expect(py.error?.name).toBe("ZeroDivisionError");
          expect(py.error?.message).toContain("division");
          expect(py.error?.traceback.join("\n")).toContain("ZeroDivisionError");
          expect((await run(ws, "print(keep)", "python")).stdout).toBe("still here\n");

          const js = await run(ws, "throw new TypeError('boom')", "javascript");
          expect(js.success).toBe(false);
          expect(js.error?.name).toBe("TypeError");
          expect(js.error?.message).toBe("boom");
          const syntax = await run(ws, "def broken(:", "python");
          expect(syntax.success).toBe(false);
          expect(syntax.error?.name).toBe("SyntaxError");
        },
        T,
      );

      it(
        "returns matplotlib figures as PNG images",
        async (ctx) => {
          if (env.features?.images === false) ctx.skip();
          const ws = fresh();
          const code =
            "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.title('squares')\nplt.show()";
          const r = await run(ws, code, "python");
          expect(r.error).toBeUndefined();
          expect(r.images).toHaveLength(1);
          expect(r.images[0]?.mimeType).toBe("image/png");
          expect(r.images[0]?.data.startsWith("iVBORw0KGgo")).toBe(true);
          // figures are closed after each run
          expect((await run(ws, "print('next')", "python")).images).toHaveLength(0);
        },
        T,
      );

      it(
        "after a timeout the next call works on a fresh context and says so",
        async () => {
          const ws = fresh();
          await run(ws, "x = 1", "python");
          const r = await run(
            ws,
            "import time\nprint('started', flush=True)\ntime.sleep(30)",
            "python",
            1_500,
          );
          expect(r.success).toBe(false);
          expect(r.terminated).toBe("timeout");
          expect(r.stdout).toContain("started");
          const next = await run(ws, "print('alive')\n'x' in globals()", "python");
          expect(next.success).toBe(true);
          expect(next.stdout).toBe("alive\n");
          expect(next.result).toBe("False");
          expect(next.contextReset).toBe(true);
          const after = await run(ws, "print('steady')", "python");
          expect(after.contextReset).toBe(false);

          const js = await run(ws, "while (true) {}", "javascript", 1_500);
          expect(js.terminated).toBe("timeout");
          const jsNext = await run(ws, "1 + 1", "javascript");
          expect(jsNext.result).toBe("2");
          expect(jsNext.contextReset).toBe(true);
        },
        T,
      );

      it(
        "caps code output and keeps the full stream readable",
        async () => {
          const ws = fresh();
          const r = await b().runCode(ws, "for i in range(50000):\n    print(i)", "python", {
            timeoutMs: 20_000,
            outputLimitBytes: 2048,
          });
          expect(r.success).toBe(true);
          expect(r.truncated.stdout).toBe(true);
          expect(r.stdout.startsWith("0\n1\n2\n")).toBe(true);
          expect(r.stdout.endsWith("49999\n")).toBe(true);
          const full = dec.decode(await b().readFile(ws, r.fullOutput.stdout ?? ""));
          expect(full.split("\n")).toHaveLength(50_001);
        },
        T,
      );
    });

    describe("files", () => {
      it(
        "round-trips text and binary files and sees files written by code",
        async () => {
          const ws = fresh();
          await b().writeFile(ws, "notes/a.txt", enc.encode("hello"));
          expect(dec.decode(await b().readFile(ws, "/workspace/notes/a.txt"))).toBe("hello");
          const bytes = new Uint8Array(256).map((_, i) => i);
          await b().writeFile(ws, "/workspace/bin.dat", bytes);
          expect(Array.from(await b().readFile(ws, "bin.dat"))).toEqual(Array.from(bytes));
          await b().writeFile(ws, "notes/a.txt", enc.encode("hi"));
          expect((await exec(ws, "cat notes/a.txt")).stdout).toBe("hi");
          await exec(ws, "printf made-by-code > from-code.txt");
          expect(dec.decode(await b().readFile(ws, "from-code.txt"))).toBe("made-by-code");
          await expectCode(b().readFile(ws, "missing.txt"), "FILE_NOT_FOUND");
        },
        T,
      );

      it(
        "lists, stats, makes directories and deletes",
        async () => {
          const ws = fresh();
          await b().writeFile(ws, "notes/a.txt", enc.encode("hello"));
          await b().writeFile(ws, "top.txt", enc.encode("t"));
          await b().mkdir(ws, "d1/d2");

          const flat = (await b().listFiles(ws, "/workspace", false)).map((e) => `${e.type}:${e.path}`);
          expect(flat).toEqual(
            expect.arrayContaining([
              "directory:/workspace/notes",
              "file:/workspace/top.txt",
              "directory:/workspace/d1",
            ]),
          );
          expect(flat).not.toContain("file:/workspace/notes/a.txt");
          const deep = (await b().listFiles(ws, "", true)).map((e) => e.path);
          expect(deep).toEqual(expect.arrayContaining(["/workspace/notes/a.txt", "/workspace/d1/d2"]));

          const st = await b().stat(ws, "notes/a.txt");
          expect(st).toMatchObject({ path: "/workspace/notes/a.txt", type: "file", size: 5 });
          expect(Number.isNaN(Date.parse(st?.modifiedAt ?? ""))).toBe(false);
          expect((await b().stat(ws, "d1/d2"))?.type).toBe("directory");
          expect(await b().stat(ws, "nope.txt")).toBeNull();

          await b().deleteFile(ws, "top.txt");
          expect(await b().stat(ws, "top.txt")).toBeNull();
          await b().deleteFile(ws, "notes");
          expect(await b().stat(ws, "notes/a.txt")).toBeNull();
          expect(await b().stat(ws, "notes")).toBeNull();
        },
        T,
      );

      it(
        "rejects paths outside the workspace, including through symlinks",
        async () => {
          const ws = fresh();
          await expectCode(b().readFile(ws, "../etc/passwd"), "PATH_OUTSIDE_WORKSPACE");
          await expectCode(b().readFile(ws, "/etc/passwd"), "PATH_OUTSIDE_WORKSPACE");
          await expectCode(b().writeFile(ws, "a/../../x.txt", enc.encode("x")), "PATH_OUTSIDE_WORKSPACE");
          await expectCode(b().listFiles(ws, "/", false), "PATH_OUTSIDE_WORKSPACE");
          await exec(ws, "ln -s / rootlink && ln -s /etc/passwd pw");
          await expectCode(b().readFile(ws, "rootlink/etc/passwd"), "PATH_OUTSIDE_WORKSPACE");
          await expectCode(b().readFile(ws, "pw"), "PATH_OUTSIDE_WORKSPACE");
          await expectCode(
            b().writeFile(ws, "rootlink/tmp/evil.txt", enc.encode("x")),
            "PATH_OUTSIDE_WORKSPACE",
          );
          await expectCode(b().listFiles(ws, "rootlink", false), "PATH_OUTSIDE_WORKSPACE");
        },
        T,
      );
    });

    describe("processes", () => {
      it(
        "starts, reads logs by offset, and kills background processes",
        async () => {
          const ws = fresh();
          const p = await b().startProcess(ws, "echo first; echo warn >&2; sleep 30; echo never", {
            timeoutMs: 60_000,
          });
          expect(p.state).toBe("running");
          const logs = await waitFor(async () => {
            const l = await b().processLogs(ws, p.id, { stdoutOffset: 0, stderrOffset: 0, limit: 1024 });
            return l?.stdout.includes("first") && l.stderr.includes("warn") ? l : undefined;
          });
          expect(logs.stdout).toBe("first\n");
          expect(logs.stdoutOffset).toBe(6);
          expect(logs.stderrOffset).toBe(5);
          const more = await b().processLogs(ws, p.id, {
            stdoutOffset: logs.stdoutOffset,
            stderrOffset: logs.stderrOffset,
            limit: 1024,
          });
          expect(more).toMatchObject({ stdout: "", stderr: "", stdoutOffset: 6, stderrOffset: 5 });
          expect((await b().getProcess(ws, p.id))?.state).toBe("running");

          await b().killProcess(ws, p.id);
          const killed = await b().getProcess(ws, p.id);
          expect(killed?.state).toBe("killed");
          expect(killed?.endedAt).not.toBeNull();
          await b().killProcess(ws, p.id); // no-op when already finished
        },
        T,
      );

      it(
        "reports exit codes and timeouts, and null for unknown ids",
        async () => {
          const ws = fresh();
          const p = await b().startProcess(ws, "echo done; exit 3", { timeoutMs: 30_000 });
          const done = await waitFor(async () => {
            const info = await b().getProcess(ws, p.id);
            return info && info.state !== "running" ? info : undefined;
          });
          expect(done).toMatchObject({ state: "exited", exitCode: 3 });
          const slow = await b().startProcess(ws, "sleep 30", { timeoutMs: 1_000 });
          const timedOut = await waitFor(async () => {
            const info = await b().getProcess(ws, slow.id);
            return info && info.state !== "running" ? info : undefined;
          });
          expect(timedOut.state).toBe("timed_out");
          expect(await b().getProcess(ws, "no-such-process")).toBeNull();
          expect(
            await b().processLogs(ws, "no-such-process", { stdoutOffset: 0, stderrOffset: 0, limit: 10 }),
          ).toBeNull();
        },
        T,
      );
    });

    describe("workspaces", () => {
      it(
        "reset wipes files, contexts and processes",
        async () => {
          const ws = fresh();
          await b().writeFile(ws, "keep.txt", enc.encode("x"));
          await run(ws, "secret_value = 7", "python");
          const p = await b().startProcess(ws, "sleep 30", { timeoutMs: 60_000 });
          await b().reset(ws);
          expect(await b().stat(ws, "keep.txt")).toBeNull();
          const r = await run(ws, "print(secret_value)", "python");
          expect(r.error?.name).toBe("NameError");
          const info = await b().getProcess(ws, p.id);
          expect(info === null || info.state !== "running").toBe(true);
          expect((await exec(ws, "ls -A | grep -v '^.outputs$' | wc -l")).stdout.trim()).toBe("0");
        },
        T,
      );

      it(
        "keeps two workspaces apart: files, variables, processes",
        async () => {
          const a = fresh();
          const c = fresh();
          await b().writeFile(a, "only-a.txt", enc.encode("a"));
          expect(await b().stat(c, "only-a.txt")).toBeNull();
          expect((await exec(c, "ls only-a.txt 2>&1; echo $?")).stdout).not.toMatch(/^only-a\.txt$/m);
          await run(a, "shared = 'a'", "python");
          expect((await run(c, "print(shared)", "python")).error?.name).toBe("NameError");
          await run(a, "var sharedJs = 1", "javascript");
          expect((await run(c, "typeof sharedJs", "javascript")).result).toBe("'undefined'");
          const p = await b().startProcess(a, "sleep 30", { timeoutMs: 60_000 });
          expect(await b().getProcess(c, p.id)).toBeNull();
          await b().killProcess(c, p.id);
          expect((await b().getProcess(a, p.id))?.state).toBe("running");
          await b().killProcess(a, p.id);
        },
        T,
      );
    });
  });
}
