/**
 * Failures the CLI reports itself. Each carries the process exit code, so `main` maps
 * any of them to a message on stderr and an exit status in one place.
 */

/** Exit statuses with a meaning of their own (a program's own code passes through as is). */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  /** As coreutils `timeout`: the run was killed for taking too long. */
  TIMEOUT: 124,
  /** 128 + SIGKILL: the sandbox killed the run (memory limit, cancel). */
  KILLED: 137,
} as const;

export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number = EXIT.FAILURE) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** Bad arguments or configuration: nothing was sent to the server. Exit 2. */
export class UsageError extends CliError {
  /** The command whose help the message points to, e.g. "task start". */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message, EXIT.USAGE);
    this.name = "UsageError";
    this.command = command;
  }
}

/** The tool ran and answered `isError`: the message is the server's own text. Exit 1. */
export class ToolError extends CliError {
  readonly tool: string;

  constructor(tool: string, message: string) {
    super(message, EXIT.FAILURE);
    this.name = "ToolError";
    this.tool = tool;
  }
}
