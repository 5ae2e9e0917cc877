/** ls, cat, put, rm: bytes in and out unchanged, and readable listings. */

import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import { runCli } from "../../../cli/src/cli.ts";
import { callerDirectory } from "../../../cli/src/io.ts";
import { context, type FakeServer, fakeIo, fakeServer } from "./fakes.ts";

const BYTES = new Uint8Array([0, 255, 1, 128, 10, 13, 0xef, 0xbb, 0xbf]);

async function run(argv: string[], server: FakeServer, io = fakeIo({ env: { CODEMODE_WORKSPACE: "demo" } })) {
  const code = await runCli(argv, context(io, server));
  return { code, io };
}

describe("put", () => {
  it("uploads a file's exact bytes as base64 under its own name", async () => {
    const server = fakeServer({ write_file: (args) => ({ path: `/workspace/${args.path}`, size: 9 }) });
    const io = fakeIo({ env: { CODEMODE_WORKSPACE: "demo" }, files: { "/tmp/data.bin": BYTES } });
    const { code } = await run(["put", "/tmp/data.bin"], server, io);
    expect(code).toBe(0);
    expect(server.calls[0]?.args).toEqual({
      path: "data.bin",
      content: Buffer.from(BYTES).toString("base64"),
      encoding: "base64",
    });
    expect(io.out()).toBe("/workspace/data.bin (9 bytes)\n");
    expect(io.err()).toBe("");
  });

  it("reads stdin with -, and warns when no workspace is named", async () => {
    const server = fakeServer({ write_file: () => ({ path: "/workspace/x.txt", size: 2 }) });
    const io = fakeIo({ stdin: "hi" });
    expect((await run(["put", "-", "x.txt"], server, io)).code).toBe(0);
    expect(server.calls[0]?.args).toMatchObject({ path: "x.txt", content: "aGk=" });
    expect(io.err()).toMatch(/no workspace named/);
    expect((await run(["put", "-"], server)).code).toBe(2);
  });
});

describe("cat", () => {
  it("asks for base64 and writes the decoded bytes to stdout", async () => {
    const server = fakeServer({
      read_file: () => ({
        path: "/workspace/a.bin",
        size: 9,
        encoding: "base64",
        content: Buffer.from(BYTES).toString("base64"),
      }),
    });
    const { code, io } = await run(["cat", "a.bin"], server);
    expect(code).toBe(0);
    expect(server.calls[0]?.args).toEqual({ path: "a.bin", encoding: "base64" });
    expect(io.outBytes()).toEqual(BYTES);
  });

  it("--json leaves the encoding to the server and prints its result", async () => {
    const answer = { path: "/workspace/a.txt", size: 2, encoding: "utf8", content: "hi" };
    const server = fakeServer({ read_file: () => answer });
    const { io } = await run(["cat", "a.txt", "--json"], server);
    expect(server.calls[0]?.args).toEqual({ path: "a.txt" });
    expect(JSON.parse(io.out())).toEqual(answer);
  });
});

describe("ls and rm", () => {
  it("lists entries as type, size, time and path", async () => {
    const server = fakeServer({
      list_files: () => ({
        path: "/workspace",
        entries: [
          { path: "/workspace/data", type: "directory", size: 0, modifiedAt: "2026-01-01T00:00:00.000Z" },
          { path: "/workspace/data/a.csv", type: "file", size: 1234, modifiedAt: "2026-01-02T03:04:05.678Z" },
        ],
        truncated: true,
      }),
    });
    const { code, io } = await run(["ls", "-r"], server);
    expect(code).toBe(0);
    expect(server.calls[0]?.args).toEqual({ recursive: true });
    expect(io.out()).toBe(
      "d           0  2026-01-01T00:00:00Z  /workspace/data\n" +
        "-        1234  2026-01-02T03:04:05Z  /workspace/data/a.csv\n",
    );
    expect(io.err()).toMatch(/only the first 2 entries/);
  });

  it("rm deletes one path", async () => {
    const server = fakeServer({
      delete_file: (args) => ({ path: `/workspace/${args.path}`, deleted: true }),
    });
    const { code, io } = await run(["rm", "old"], server);
    expect(code).toBe(0);
    expect(io.out()).toBe("deleted /workspace/old\n");
  });
});

describe("local paths", () => {
  it("are taken from where the user ran the command, also under `npm run` (INIT_CWD)", () => {
    expect(callerDirectory({}, "/repo")).toBe("/repo");
    expect(callerDirectory({ npm_lifecycle_event: "cli", INIT_CWD: "/home/me/data" }, "/repo")).toBe(
      "/home/me/data",
    );
    // An INIT_CWD inherited from some outer npm script does not count when we were run directly.
    expect(callerDirectory({ INIT_CWD: "/elsewhere" }, "/repo")).toBe("/repo");
  });
});
