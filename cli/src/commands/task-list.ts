/** `codemode-mcp task list`: list the workspace's tasks, newest first. */
import { listTasks } from "../../../src/mcp/schemas/tasks.ts";
import { TaskState } from "../../../src/tasks/types.ts";
import { parseCommandArgs, parseCount } from "../args.ts";
import { call } from "../client.ts";
import { type Command, printJson, withClient } from "../command.ts";
import { UsageError } from "../errors.ts";
import { formatTaskList } from "../task-view.ts";

const NAME = "task list";

const STATES = TaskState.options;

export const taskListCommand: Command = {
  name: NAME,
  summary: "List the workspace's tasks, newest first",
  help: `Usage: codemode-mcp task list [--state <state>] [--parent <id>] [--limit <n>] [--cursor <c>] [--json]

Lists the workspace's tasks, newest first, including those started by earlier commands
in the same named workspace.

Options:
  --state <state>   only tasks in this state: ${STATES.join(", ")}
  --parent <id>     only the children of this task
  --limit <n>       tasks per page (1–100, default 20)
  --cursor <c>      the cursor printed after the previous page, for older tasks`,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(NAME, argv, {
      state: { type: "string" },
      parent: { type: "string" },
      limit: { type: "string" },
      cursor: { type: "string" },
    });
    if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}".`, NAME);
    const state = TaskState.optional().safeParse(values.state);
    if (!state.success)
      throw new UsageError(`Unknown --state "${values.state}": use ${STATES.join(", ")}.`, NAME);
    const limit = parseCount(NAME, "limit", values.limit);
    if (limit !== undefined && (limit < 1 || limit > 100))
      throw new UsageError("--limit must be 1–100.", NAME);
    const { value, structured } = await withClient(ctx, values, (client) =>
      call(client, listTasks, {
        ...(state.data !== undefined ? { state: state.data } : {}),
        ...(values.parent !== undefined ? { parent_task_id: values.parent } : {}),
        ...(limit !== undefined ? { limit } : {}),
        ...(values.cursor !== undefined ? { cursor: values.cursor } : {}),
      }),
    );
    if (values.json) {
      printJson(ctx.io, structured);
      return 0;
    }
    ctx.io.stdout(formatTaskList(value.tasks));
    if (value.next_cursor) ctx.io.stderr(`[older tasks: --cursor ${value.next_cursor}]\n`);
    return 0;
  },
};
