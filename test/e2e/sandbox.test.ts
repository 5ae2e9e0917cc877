/**
 * Issue 3's acceptance, through the official MCP client against wrangler dev and the
 * real sandbox host or real Cloudflare containers (both backends, test/helpers/backends.ts):
 * execution, persistence, images, timeouts, output caps, files,
 * confinement, isolation between workspaces and resource limits.
 */
import { Buffer } from "node:buffer";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { e2eBackends } from "../helpers/backends.ts";
import { FORK_LOOP } from "../helpers/local-host.ts";
import { type Stack, startStack } from "../helpers/stack.ts";

let stack: Stack;
let client: Client;
describe.each(e2eBackends())("on the %s backend", (backend) => {
  beforeAll(async () => {
    stack = await startStack({ backend });
    client = await stack.connect(stack.tokens.alice, { workspace: "sandbox-e2e" });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  interface Run {
    success: boolean;
    stdout: string;
    stderr: string;
    exit_code: number | null;
    result?: string;
    error?: { name: string; message: string };
    truncated: { stdout: boolean; stderr: boolean };
    full_output: { stdout?: string };
    diagnostics: { error_type: string; timeout_seconds?: number } | null;
    context_reset: boolean;
    images: number;
    duration_ms: number;
  }

  async function run(c: Client, code: string, language: string, extra: Record<string, unknown> = {}) {
    const r = await c.callTool({ name: "execute_code", arguments: { code, language, ...extra } }, undefined, {
      timeout: 120_000,
    });
    return {
      run: r.structuredContent as unknown as Run,
      content: r.content as Array<{ type: string; mimeType?: string }>,
      raw: r,
    };
  }

  async function tool(c: Client, name: string, args: Record<string, unknown>) {
    return c.callTool({ name, arguments: args });
  }
  const text = (r: Awaited<ReturnType<typeof tool>>) =>
    (r.content as Array<{ text?: string }>).map((x) => x.text ?? "").join("\n");

  describe("execute_code", () => {
    it("runs python and keeps variables between calls", async () => {
      expect((await run(client, "print(1+1)", "python")).run.stdout).toBe("2\n");
      await run(client, "x = 41", "python");
      const later = await run(client, "print(x+1)", "python");
      expect(later.run.stdout).toBe("42\n");
      expect(later.run.success).toBe(true);
    });

    it.each(["javascript", "typescript"])("keeps %s variables between calls", async (language) => {
      const decl = language === "typescript" ? "let y: number = 41" : "let y = 41";
      expect((await run(client, decl, language)).run.success).toBe(true);
      expect((await run(client, "y + 1", language)).run.result).toBe("42");
      const later = await run(client, "console.log(y + 1)", language);
      expect(later.run.stdout).toBe("42\n");
      // The same program again, as a user re-running a cell: no "already declared" error.
      const again = await run(client, decl, language);
      expect(again.run.error).toBeUndefined();
      expect(again.run.success).toBe(true);
      expect((await run(client, "y + 1", language)).run.result).toBe("42");
    });

    it("runs bash", async () => {
      const { run: r } = await run(client, "echo $((6*7))", "bash");
      expect(r.stdout).toBe("42\n");
      expect(r.exit_code).toBe(0);
    });

    it("returns a trailing expression value and exceptions with tracebacks", async () => {
      expect((await run(client, "21 * 2", "python")).run.result).toBe("42");
      const failed = await run(client, "raise ValueError('boom')", "python");
      expect(failed.run.success).toBe(false);
      expect(failed.run.error).toMatchObject({ name: "ValueError", message: "boom" });
    });

    it("returns a matplotlib plot as an image", async () => {
      const { run: r, content } = await run(
        client,
        "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.title('squares')",
        "python",
      );
      expect(r.images).toBe(1);
      expect(content.some((c) => c.type === "image" && c.mimeType === "image/png")).toBe(true);
    });

    it("times out an endless loop after about 2 s, and the next call works", async () => {
      const start = Date.now();
      const { run: r } = await run(client, "while True: pass", "python", { timeout_seconds: 2 });
      const elapsed = Date.now() - start;
      expect(r.diagnostics).toMatchObject({ error_type: "TIMEOUT", timeout_seconds: 2 });
      expect(r.success).toBe(false);
      expect(elapsed).toBeGreaterThanOrEqual(1900);
      expect(elapsed).toBeLessThan(8000);
      const next = await run(client, 'print("ok")', "python");
      expect(next.run.stdout).toBe("ok\n");
      expect(next.run.context_reset).toBe(true);
    });

    it("caps 10 MB of output, keeping head and tail, and saves the full log", async () => {
      const { run: r } = await run(
        client,
        "import sys\nsys.stdout.write('HEAD\\n' + 'x' * (10 * 1024 * 1024) + '\\nTAIL\\n')",
        "python",
      );
      expect(r.truncated.stdout).toBe(true);
      expect(r.stdout.length).toBeLessThan(70_000);
      expect(r.stdout.startsWith("HEAD")).toBe(true);
      expect(r.stdout.trimEnd().endsWith("TAIL")).toBe(true);
      const path = r.full_output.stdout;
      expect(path).toMatch(/^\/workspace\//);
      const stat = await tool(client, "list_files", { path: "/workspace/.outputs" });
      const entries = (stat.structuredContent as { entries: Array<{ path: string; size: number }> }).entries;
      expect(entries.find((e) => e.path === path)?.size).toBeGreaterThan(10 * 1024 * 1024);
      // read_file refuses files that large with a clear error (and says how to look inside).
      const read = await tool(client, "read_file", { path });
      expect(read.isError).toBe(true);
      expect(text(read)).toMatch(/FILE_TOO_LARGE/);
    });

    it("rejects a timeout over the maximum with an error naming the field", async () => {
      const r = await tool(client, "execute_code", {
        code: "1",
        language: "python",
        timeout_seconds: 100_000,
      });
      expect(r.isError).toBe(true);
      expect(text(r)).toMatch(/timeout_seconds/);
    });
  });

  describe("files", () => {
    it("round-trips text and binary files, lists and deletes them", async () => {
      const w = await tool(client, "write_file", { path: "notes/a.txt", content: "hello" });
      expect(w.structuredContent).toMatchObject({ path: "/workspace/notes/a.txt", size: 5 });
      const bytes = Buffer.from([0, 1, 2, 255, 254, 0x89, 0x50]);
      await tool(client, "write_file", {
        path: "/workspace/notes/b.bin",
        content: bytes.toString("base64"),
        encoding: "base64",
      });
      const readText = await tool(client, "read_file", { path: "notes/a.txt" });
      expect(readText.structuredContent).toMatchObject({ encoding: "utf8", content: "hello" });
      const readBin = await tool(client, "read_file", { path: "notes/b.bin" });
      expect(readBin.structuredContent).toMatchObject({
        encoding: "base64",
        content: bytes.toString("base64"),
      });
      const list = await tool(client, "list_files", { path: "notes" });
      const paths = (list.structuredContent as { entries: Array<{ path: string }> }).entries
        .map((e) => e.path)
        .sort();
      expect(paths).toEqual(["/workspace/notes/a.txt", "/workspace/notes/b.bin"]);
      await tool(client, "delete_file", { path: "notes/a.txt" });
      const gone = await tool(client, "read_file", { path: "notes/a.txt" });
      expect(gone.isError).toBe(true);
      expect(text(gone)).toMatch(/FILE_NOT_FOUND/);
    });

    it("reads images back as image content", async () => {
      await run(
        client,
        "import matplotlib.pyplot as plt\nplt.plot([1,2])\nplt.savefig('/workspace/plot.png')\nplt.close('all')",
        "python",
      );
      const r = await tool(client, "read_file", { path: "plot.png" });
      expect((r.content as Array<{ type: string }>).some((c) => c.type === "image")).toBe(true);
    });

    it("rejects paths outside the workspace: .., absolute, and symlinks out", async () => {
      for (const path of ["../../etc/passwd", "/etc/passwd"]) {
        const r = await tool(client, "read_file", { path });
        expect(r.isError, path).toBe(true);
        expect(text(r)).toMatch(/PATH_OUTSIDE_WORKSPACE|INVALID_PATH/);
      }
      await run(client, "ln -sf / /workspace/root-link", "bash");
      const viaLink = await tool(client, "read_file", { path: "root-link/etc/passwd" });
      expect(viaLink.isError).toBe(true);
      expect(text(viaLink)).toMatch(/PATH_OUTSIDE_WORKSPACE/);
      const write = await tool(client, "write_file", { path: "root-link/tmp/x", content: "no" });
      expect(write.isError).toBe(true);
    });

    it("runs a workspace file with run_file", async () => {
      await tool(client, "write_file", {
        path: "greet.py",
        content: "import sys\nprint('hi', *sys.argv[1:])",
      });
      const r = await tool(client, "run_file", { path: "greet.py", args: ["a b", "c"] });
      expect(r.structuredContent).toMatchObject({ success: true, stdout: "hi a b c\n", exit_code: 0 });
      const bad = await tool(client, "run_file", { path: "notes" });
      expect(bad.isError).toBe(true);
    });
  });

  describe("isolation and limits", () => {
    it("keeps two workspaces apart: files, variables and processes", async () => {
      const other = await stack.connect(stack.tokens.alice, { workspace: "sandbox-e2e-other" });
      await run(client, "secret_var = 'mine'", "python");
      await tool(client, "write_file", { path: "private.txt", content: "mine" });
      await run(client, "sleep 60 & echo started", "bash");
      const readOther = await tool(other, "read_file", { path: "private.txt" });
      expect(readOther.isError).toBe(true);
      const v = await run(other, "print(secret_var)", "python");
      expect(v.run.error?.name).toBe("NameError");
      const ps = await run(other, "ps -e -o comm= | grep -c sleep || true", "bash");
      expect(ps.run.stdout.trim()).toBe("0");
    });

    it("has no network", async () => {
      const r = await run(
        client,
        "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 80), timeout=3)\n    print('connected')\nexcept OSError as e:\n    print('blocked', type(e).__name__)",
        "python",
      );
      expect(r.run.stdout).toMatch(/^blocked/);
    });

    it("stops a fork bomb, a 2 GB allocation and a 1 GB file, and keeps working", async () => {
      // a bounded fork loop: the classic `:(){ :|:& };:` sometimes dies out before the limit
      const bomb = await run(client, `python3 -c '${FORK_LOOP}'`, "bash", { timeout_seconds: 20 });
      expect(bomb.run.stdout).toMatch(/^stopped \d+ 11/);
      // The host refuses the allocation at once (MemoryError); in a container it runs into
      // the memory limit and the run ends only at its timeout.
      const alloc = await run(client, "b = bytearray(2 * 1024**3)\nprint(len(b))", "python", {
        timeout_seconds: 10,
      });
      expect(alloc.run.success).toBe(false);
      expect(alloc.run.stdout).not.toMatch(/2147483648/);
      const big = await run(
        client,
        "head -c 1100000000 /dev/zero > /workspace/big.bin; echo rc=$?; ls -l /workspace/big.bin",
        "bash",
        {
          timeout_seconds: 30,
        },
      );
      expect(big.run.stdout).not.toMatch(/1100000000/);
      await run(client, "rm -f /workspace/big.bin", "bash");
      const after = await run(client, "print('still here')", "python");
      expect(after.run.stdout).toBe("still here\n");
    });

    it("reset_workspace wipes files and variables", async () => {
      const c = await stack.connect(stack.tokens.alice, { workspace: "sandbox-e2e-reset" });
      await tool(c, "write_file", { path: "x.txt", content: "1" });
      await run(c, "zz = 1", "python");
      const r = await tool(c, "reset_workspace", {});
      expect(r.structuredContent).toMatchObject({ reset: true });
      expect((await tool(c, "read_file", { path: "x.txt" })).isError).toBe(true);
      expect((await run(c, "print(zz)", "python")).run.error?.name).toBe("NameError");
    });
  });
});
