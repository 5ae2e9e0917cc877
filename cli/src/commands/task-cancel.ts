/** `codemode-mcp task cancel`: cancel a queued or running task (and its children). */
import { cancelTask } from "../../../src/mcp/schemas/tasks.ts";
import { parseCommandArgs } from "../args.ts";
import { call } from "../client.ts";
import { type Command, printJson, withClient } from "../command.ts";
import { UsageError } from "../errors.ts";

const NAME = "task cancel";

export const taskCancelCommand: Command = {
  name: NAME,
  summary: "Cancel a queued or running task (and its children)",
  help: `Usage: codemode-mcp task cancel <id> [--json]

Kills a queued or running task's whole process tree; it ends as cancelled, and so do its
unfinished child tasks. Its output so far stays readable with \`task logs\`. Cancelling a
task that already finished is an error.`,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(NAME, argv, {});
    const [taskId, ...extra] = positionals;
    if (taskId === undefined) throw new UsageError("Missing the task <id>.", NAME);
    if (extra.length > 0) throw new UsageError("task cancel takes one id.", NAME);
    const { value, structured } = await withClient(ctx, values, (client) =>
      call(client, cancelTask, { task_id: taskId }),
    );
    if (values.json) printJson(ctx.io, structured);
    else ctx.io.stdout(`task ${value.task_id} ${value.state}\n`);
    return 0;
  },
};
