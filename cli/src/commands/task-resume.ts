/** `codemode-mcp task resume`: start a follow-up of a finished task in the same workspace. */
import { resumeTask } from "../../../src/mcp/schemas/tasks.ts";
import { parseCommandArgs } from "../args.ts";
import { call } from "../client.ts";
import { type Command, withClient } from "../command.ts";
import { UsageError } from "../errors.ts";
import { reportStarted } from "../started.ts";
import { RUN_HELP, RUN_OPTIONS, runRequest } from "../task-run.ts";

const NAME = "task resume";

export const taskResumeCommand: Command = {
  name: NAME,
  summary: "Start a follow-up of a finished task in the same workspace",
  help: `Usage: codemode-mcp task resume <id> (--code <code> | -f <file> | --command <cmd> | --path <file>) [options]

Starts a new task after a finished one (completed, failed, cancelled, timed out or lost).
It runs in the same workspace, so it sees the files the first task wrote, and is linked
to it. Code defaults to the original task's language. Refused while the original runs.

${RUN_HELP}
  --follow                  print the output until the new task ends

Example:
  codemode-mcp -w demo task resume t_abc123 --command 'python3 report.py'`,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(NAME, argv, {
      ...RUN_OPTIONS,
      follow: { type: "boolean" },
    });
    const [taskId, ...args] = positionals;
    if (taskId === undefined) throw new UsageError("Missing the <id> of the task to resume.", NAME);
    const request = await runRequest(ctx.io, NAME, values, args, true);
    return withClient(ctx, values, async (client) => {
      const started = await call(client, resumeTask, { task_id: taskId, ...request });
      return reportStarted(ctx.io, client, started, {
        json: values.json ?? false,
        follow: values.follow ?? false,
      });
    });
  },
};
