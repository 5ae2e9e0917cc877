/** `codemode-mcp task logs`: print a task's output; --follow until it ends. */
import { taskLogs } from "../../../src/mcp/schemas/tasks.ts";
import { LogStream } from "../../../src/tasks/types.ts";
import { parseCommandArgs, parseCount } from "../args.ts";
import { call } from "../client.ts";
import { type Command, printJson, withClient } from "../command.ts";
import { UsageError } from "../errors.ts";
import { followTask } from "../follow.ts";
import { printLogPage } from "../log-output.ts";

const NAME = "task logs";

export const taskLogsCommand: Command = {
  name: NAME,
  summary: "Print a task's output; --follow until it ends",
  help: `Usage: codemode-mcp task logs <id> [--follow] [--offset <n>] [--limit <n>] [--stream stdout|stderr] [--json]

Prints a task's output lines: its stdout lines on stdout and its stderr lines on stderr.
Lines are numbered from 0; --offset starts later. Without --follow, one page is printed
and, when more lines follow, the offset to continue from.

Options:
  --follow           keep printing new lines until the task ends (polls every 0.5 s);
                     the exit status is then the task's (0 completed, its exit code,
                     124 timed out, 1 otherwise). With --json: one JSON object per line,
                     each log page and then the final status
  --offset <n>       first line to print (default 0)
  --limit <n>        lines per page without --follow (1–2000, default 200)
  --stream <name>    only stdout or only stderr`,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(NAME, argv, {
      follow: { type: "boolean" },
      offset: { type: "string" },
      limit: { type: "string" },
      stream: { type: "string" },
    });
    const [taskId, ...extra] = positionals;
    if (taskId === undefined) throw new UsageError("Missing the task <id>.", NAME);
    if (extra.length > 0) throw new UsageError("task logs takes one id.", NAME);
    const offset = parseCount(NAME, "offset", values.offset) ?? 0;
    const limit = parseCount(NAME, "limit", values.limit);
    if (limit !== undefined && (limit < 1 || limit > 2000))
      throw new UsageError("--limit must be 1–2000.", NAME);
    const stream = LogStream.optional().safeParse(values.stream);
    if (!stream.success)
      throw new UsageError(`--stream must be stdout or stderr, got "${values.stream}".`, NAME);
    const streamArg = stream.data !== undefined ? { stream: stream.data } : {};
    return withClient(ctx, values, async (client) => {
      if (values.follow) {
        return followTask(ctx.io, client, taskId, {
          offset,
          stream: stream.data,
          json: values.json ?? false,
        });
      }
      const page = await call(client, taskLogs, {
        task_id: taskId,
        offset,
        ...(limit !== undefined ? { limit } : {}),
        ...streamArg,
      });
      if (values.json) {
        printJson(ctx.io, page.structured);
        return 0;
      }
      printLogPage(ctx.io, page.value);
      if (page.value.more) ctx.io.stderr(`[more lines follow: --offset ${page.value.next_offset}]\n`);
      return 0;
    });
  },
};
