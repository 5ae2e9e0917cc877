/** `codemode-mcp task start`: start a background task and print its id. */
import { startTask } from "../../../src/mcp/schemas/tasks.ts";
import { parseCommandArgs } from "../args.ts";
import { call } from "../client.ts";
import { type Command, withClient } from "../command.ts";
import { reportStarted } from "../started.ts";
import { RUN_HELP, RUN_OPTIONS, runRequest } from "../task-run.ts";

const NAME = "task start";

export const taskStartCommand: Command = {
  name: NAME,
  summary: "Start a background task and print its id",
  help: `Usage: codemode-mcp task start (--code <code> | -f <file>) --language <lang> [options]
       codemode-mcp task start --command <cmd> [options]
       codemode-mcp task start --path <file> [options] [-- args...]

Starts long-running work in the workspace and prints the task's id at once. The task
keeps running after this command ends; follow it with \`task logs <id> --follow\` in the
same named workspace (--workspace or CODEMODE_WORKSPACE), or stay with --follow.

${RUN_HELP}
  --parent <id>             group this task under a parent task
  --follow                  print the output until the task ends; the exit status is
                            then the task's (0 completed, its exit code, 124 timed out)

Examples:
  codemode-mcp -w demo task start --language python --code 'import time; time.sleep(600)'
  codemode-mcp -w demo task start --command 'make test' --name tests --follow`,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(NAME, argv, {
      ...RUN_OPTIONS,
      parent: { type: "string" },
      follow: { type: "boolean" },
    });
    const request = await runRequest(ctx.io, NAME, values, positionals);
    const parent = values.parent !== undefined ? { parent_task_id: values.parent } : {};
    return withClient(ctx, values, async (client) => {
      const started = await call(client, startTask, { ...request, ...parent });
      return reportStarted(ctx.io, client, started, {
        json: values.json ?? false,
        follow: values.follow ?? false,
      });
    });
  },
};
