/**
 * The command line without its process: picks the command from the leading words,
 * shows help, runs it, and turns every failure into a message on stderr and an exit
 * status. `main.ts` calls it with the real streams and MCP client; tests with fakes.
 */
import { takeWords, wantsHelp } from "./args.ts";
import type { Command, Context } from "./command.ts";
import { COMMANDS } from "./commands/index.ts";
import { DEFAULT_URL } from "./config.ts";
import { CliError, EXIT, ToolError, UsageError } from "./errors.ts";
import { table } from "./format.ts";

const PROGRAM = "codemode-mcp";

/** Words that take a subcommand: "task", "tools". */
const GROUPS = new Set(COMMANDS.filter((c) => c.name.includes(" ")).map((c) => c.name.split(" ")[0]));

const GLOBAL_HELP = `Global options (anywhere on the line):
  --url <url>            the server's MCP endpoint (CODEMODE_URL; default ${DEFAULT_URL})
  --token <token>        API token (CODEMODE_TOKEN; required)
  -w, --workspace <name> attach to this named workspace (CODEMODE_WORKSPACE); without
                         one, each command gets a fresh workspace
  --json                 machine output: the tool's structuredContent as JSON
  -h, --help             help for a command`;

export async function runCli(argv: string[], ctx: Context): Promise<number> {
  try {
    return await dispatch(argv, ctx);
  } catch (error) {
    return report(ctx, argv, error);
  }
}

async function dispatch(argv: string[], ctx: Context): Promise<number> {
  const first = takeWords(argv, 1);
  const word = first.words[0];
  if (word === undefined || word === "help") {
    const topic = takeWords(first.rest, 2).words.join(" ");
    if (topic !== "") return showHelp(ctx, topic);
    const asked = word === "help" || wantsHelp(argv);
    (asked ? ctx.io.stdout : ctx.io.stderr)(overview());
    return asked ? EXIT.OK : EXIT.USAGE;
  }
  let name = word;
  let rest = first.rest;
  if (GROUPS.has(word)) {
    const second = takeWords(first.rest, 1);
    const sub = second.words[0];
    if (sub === undefined) {
      const asked = wantsHelp(first.rest);
      (asked ? ctx.io.stdout : ctx.io.stderr)(groupHelp(word));
      return asked ? EXIT.OK : EXIT.USAGE;
    }
    name = `${word} ${sub}`;
    rest = second.rest;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`Unknown command "${name}".`, GROUPS.has(word) ? word : undefined);
  if (wantsHelp(rest)) return showHelp(ctx, name);
  return command.run(rest, ctx);
}

function showHelp(ctx: Context, topic: string): number {
  const command = COMMANDS.find((c) => c.name === topic);
  if (command) ctx.io.stdout(commandHelp(command));
  else if (GROUPS.has(topic)) ctx.io.stdout(groupHelp(topic));
  else throw new UsageError(`No help for "${topic}": not a command.`);
  return EXIT.OK;
}

function commandHelp(command: Command): string {
  return `${command.help}\n\n${GLOBAL_HELP}\n`;
}

function commandList(commands: readonly Command[]): string {
  return table(commands.map((c) => [`  ${c.name}`, c.summary]));
}

function overview(): string {
  return `${PROGRAM}: a command line for the codemode-mcp server (an isolated computer over MCP)

Usage: ${PROGRAM} <command> [arguments] [options]
       ${PROGRAM} <command> --help

Commands:
${commandList(COMMANDS)}

${GLOBAL_HELP}

Exit status: 0 on success; 1 when the server reports an error (its message goes to
stderr); 2 for usage errors; exec and run exit with the program's own code (1 for an
uncaught exception, 124 on timeout).
`;
}

function groupHelp(group: string): string {
  const commands = COMMANDS.filter((c) => c.name.startsWith(`${group} `));
  return `Usage: ${PROGRAM} ${group} <command> [arguments] [options]

Commands:
${commandList(commands)}

Run '${PROGRAM} ${group} <command> --help' for a command's options.
`;
}

function report(ctx: Context, argv: string[], error: unknown): number {
  const { io } = ctx;
  if (error instanceof UsageError) {
    const topic = error.command ? `${error.command} --help` : "--help";
    io.stderr(`${PROGRAM}: ${error.message}\nRun '${PROGRAM} ${topic}' for usage.\n`);
    return error.exitCode;
  }
  if (error instanceof ToolError) {
    io.stderr(`${PROGRAM}: ${error.message}\n`);
    if (/^(TASK|FILE)_NOT_FOUND\b/.test(error.message) && !workspaceNamed(argv, ctx)) {
      io.stderr("(No workspace was named, so this command ran in a fresh one: use --workspace.)\n");
    }
    return error.exitCode;
  }
  if (error instanceof CliError) {
    io.stderr(`${PROGRAM}: ${error.message}\n`);
    return error.exitCode;
  }
  io.stderr(`${PROGRAM}: unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT.FAILURE;
}

function workspaceNamed(argv: string[], ctx: Context): boolean {
  if ((ctx.io.env.CODEMODE_WORKSPACE ?? "") !== "") return true;
  return argv.some((a) => a === "-w" || a === "--workspace" || a.startsWith("--workspace="));
}
