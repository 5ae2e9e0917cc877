/** `codemode-mcp task status`: show a task's state, exit code, times and last output lines. */
import { taskStatus } from "../../../src/mcp/schemas/tasks.ts";
import { parseCommandArgs } from "../args.ts";
import { call } from "../client.ts";
import { type Command, printJson, withClient } from "../command.ts";
import { UsageError } from "../errors.ts";
import { formatStatus } from "../task-view.ts";

const NAME = "task status";

export const taskStatusCommand: Command = {
  name: NAME,
  summary: "Show a task's state, exit code, times and last output lines",
  help: `Usage: codemode-mcp task status <id> [--json]

Shows a task's state (queued, running, completed, failed, cancelled, timed_out, lost),
exit code, times, the last lines of its output and, for a parent, its children by state.`,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(NAME, argv, {});
    const [taskId, ...extra] = positionals;
    if (taskId === undefined) throw new UsageError("Missing the task <id>.", NAME);
    if (extra.length > 0) throw new UsageError("task status takes one id.", NAME);
    const { value, structured } = await withClient(ctx, values, (client) =>
      call(client, taskStatus, { task_id: taskId }),
    );
    if (values.json) printJson(ctx.io, structured);
    else ctx.io.stdout(formatStatus(value));
    return 0;
  },
};
