/** Every command, in the order `--help` lists them. The only list of commands. */
import type { Command } from "../command.ts";
import { catCommand } from "./cat.ts";
import { execCommand } from "./exec.ts";
import { grantsListCommand } from "./grants-list.ts";
import { grantsRevokeCommand } from "./grants-revoke.ts";
import { infoCommand } from "./info.ts";
import { lsCommand } from "./ls.ts";
import { putCommand } from "./put.ts";
import { resetCommand } from "./reset.ts";
import { rmCommand } from "./rm.ts";
import { runCommand } from "./run.ts";
import { taskCancelCommand } from "./task-cancel.ts";
import { taskListCommand } from "./task-list.ts";
import { taskLogsCommand } from "./task-logs.ts";
import { taskResumeCommand } from "./task-resume.ts";
import { taskStartCommand } from "./task-start.ts";
import { taskStatusCommand } from "./task-status.ts";
import { toolsDescribeCommand } from "./tools-describe.ts";
import { toolsSearchCommand } from "./tools-search.ts";

export const COMMANDS: readonly Command[] = [
  infoCommand,
  execCommand,
  runCommand,
  lsCommand,
  catCommand,
  putCommand,
  rmCommand,
  resetCommand,
  taskStartCommand,
  taskStatusCommand,
  taskListCommand,
  taskLogsCommand,
  taskCancelCommand,
  taskResumeCommand,
  toolsSearchCommand,
  toolsDescribeCommand,
  grantsListCommand,
  grantsRevokeCommand,
];
