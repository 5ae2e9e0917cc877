/** Dispatch, help, exit codes and error reporting, through runCli with fakes. */
import { describe, expect, it } from "vitest";
import { runCli } from "../../../cli/src/cli.ts";
import { COMMANDS } from "../../../cli/src/commands/index.ts";
import { context, fakeIo, fakeServer, toolError } from "./fakes.ts";

async function cli(argv: string[], server = fakeServer(), io = fakeIo()) {
  const code = await runCli(argv, context(io, server));
  return { code, out: io.out(), err: io.err(), server };
}

describe("help", () => {
  it("--help lists every command and exits 0", async () => {
    const { code, out } = await cli(["--help"]);
    expect(code).toBe(0);
    for (const command of COMMANDS) expect(out).toContain(command.name);
    expect(out).toContain("CODEMODE_TOKEN");
  });

  it("no command prints the overview on stderr and exits 2", async () => {
    const { code, out, err } = await cli([]);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toContain("Commands:");
  });

  it("every command has --help, with the global options, and connects to nothing", async () => {
    for (const command of COMMANDS) {
      const { code, out, server } = await cli([...command.name.split(" "), "--help"]);
      expect(code, command.name).toBe(0);
      expect(out, command.name).toContain(`codemode-mcp ${command.name}`);
      expect(out).toContain("--workspace");
      expect(server.configs).toEqual([]);
    }
  });

  it("`help <command>` and a bare group show help too", async () => {
    expect((await cli(["help", "task", "logs"])).out).toContain("--follow");
    const group = await cli(["task"]);
    expect(group.code).toBe(2);
    expect(group.err).toContain("task start");
    expect((await cli(["tools", "--help"])).code).toBe(0);
  });
});

describe("usage errors exit 2 before connecting", () => {
  it.each([
    [["frobnicate"], /Unknown command "frobnicate"/],
    [["task", "frobnicate"], /Unknown command "task frobnicate"/],
    [["exec"], /Missing <language>/],
    [["exec", "cobol", "x"], /Unknown language "cobol"/],
    [["exec", "python", "a", "b"], /one argument/],
    [["ls", "--bogus"], /Unknown option '--bogus'/],
    [["reset"], /--yes/],
    [["cat"], /Missing <path>/],
    [["task", "start", "--command", "x", "--code", "y"], /exactly one of/],
    [["task", "start", "--code", "print(1)"], /needs --language/],
    [["task", "list", "--state", "sleeping"], /Unknown --state/],
    [["task", "logs", "t1", "--stream", "both"], /--stream/],
  ])("%j", async (argv, message) => {
    const { code, err, server } = await cli(argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err).toContain("--help' for usage");
    expect(server.configs).toEqual([]);
  });

  it("a missing token is a usage error that says how to set it", async () => {
    const { code, err } = await cli(["info"], fakeServer(), fakeIo({ env: { CODEMODE_TOKEN: undefined } }));
    expect(code).toBe(2);
    expect(err).toMatch(/No API token.*CODEMODE_TOKEN/);
  });
});

describe("failures", () => {
  it("a tool error prints the server's message on stderr and exits 1", async () => {
    const server = fakeServer({
      delete_file: () => toolError("FILE_NOT_FOUND: No such file: x\nCheck the path."),
    });
    const { code, out, err } = await cli(["rm", "x", "-w", "demo"], server);
    expect(code).toBe(1);
    expect(out).toBe("");
    expect(err).toBe("codemode-mcp: FILE_NOT_FOUND: No such file: x\nCheck the path.\n");
    expect(server.closed).toBe(1);
  });

  it("advice that names MCP tools names the CLI commands instead", async () => {
    const server = fakeServer({
      cancel_task: () =>
        toolError(
          "TASK_NOT_FINISHED: Task t1 is still running.\nWait for it to finish (task_status), or cancel_task it first, then resume_task.",
        ),
    });
    const { code, err } = await cli(["task", "cancel", "t1", "-w", "demo"], server);
    expect(code).toBe(1);
    expect(err).toContain(
      "Wait for it to finish ('codemode-mcp task status'), or 'codemode-mcp task cancel' it first, then 'codemode-mcp task resume'.",
    );
    expect(err).not.toMatch(/task_status|cancel_task|resume_task/);
  });

  it("a not-found error without a named workspace points at --workspace", async () => {
    const server = fakeServer({
      task_status: () => toolError("TASK_NOT_FOUND: No task t1 in this workspace."),
    });
    const { code, err } = await cli(["task", "status", "t1"], server);
    expect(code).toBe(1);
    expect(err).toMatch(/No workspace was named.*--workspace/);
  });

  it("a missing code-mode tool says code mode is off", async () => {
    const { code, err } = await cli(["tools", "search", "sum"]);
    expect(code).toBe(1);
    expect(err).toMatch(/no search_tools tool: code mode is off.*UPSTREAM_MCP_SERVERS/);
  });

  it("a result that does not match the schema is reported, not crashed on", async () => {
    const { code, err } = await cli(["info"], fakeServer({ workspace_info: () => ({ unexpected: true }) }));
    expect(code).toBe(1);
    expect(err).toMatch(/workspace_info result does not match/);
  });

  it("global options before the command configure the connection", async () => {
    const server = fakeServer({ reset_workspace: () => ({ reset: true, workspace: "demo" }) });
    const { code, out } = await cli(["--url", "http://h:1/mcp", "-w", "demo", "reset", "--yes"], server);
    expect(code).toBe(0);
    expect(out).toBe("workspace demo reset\n");
    expect(server.configs[0]?.url.href).toBe("http://h:1/mcp?workspace=demo");
  });
});
