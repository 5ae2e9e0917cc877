/** Registers every tool on a server. The only list of tools. */
import type { z } from "zod";
import type { ToolDeps } from "../deps.ts";
import { withIdempotency } from "../idempotency.ts";
import { codeTaskSupport, fileTaskSupport } from "../tasks/tool-tasks.ts";
import type { ToolDefinition, ToolHost } from "../tool-kit.ts";
import { cancelTaskTool } from "./cancel-task.ts";
import { deleteFileTool } from "./delete-file.ts";
import { describeToolTool } from "./describe-tool.ts";
import { executeCodeTool } from "./execute-code.ts";
import { listFilesTool } from "./list-files.ts";
import { listTasksTool } from "./list-tasks.ts";
import { readFileTool } from "./read-file.ts";
import { resetWorkspaceTool } from "./reset-workspace.ts";
import { resumeTaskTool } from "./resume-task.ts";
import { runFileTool } from "./run-file.ts";
import { saveWorkspaceTool } from "./save-workspace.ts";
import { searchToolsTool } from "./search-tools.ts";
import { startTaskTool } from "./start-task.ts";
import { taskLogsTool } from "./task-logs.ts";
import { taskStatusTool } from "./task-status.ts";
import { workspaceInfoTool } from "./workspace-info.ts";
import { writeFileTool } from "./write-file.ts";

/** Every tool call counts as workspace activity (keeps unnamed workspaces alive). */
function withActivity<I extends z.ZodObject, O extends z.ZodObject>(
  tool: ToolDefinition<ToolDeps, I, O>,
): ToolDefinition<ToolDeps, I, O> {
  return {
    ...tool,
    handler: (args, deps, extra) => {
      deps.workspace.touch();
      return tool.handler(args, deps, extra);
    },
  };
}

/** Long runs a client will not wait for become Tasks-extension tasks (2026-07-28). */
const LONG_RUN_SECONDS = 60;
const longRun = (args: {
  timeout_seconds?: number | undefined;
  background_after_seconds?: number | undefined;
}) => (args.timeout_seconds ?? 0) > LONG_RUN_SECONDS || args.background_after_seconds !== undefined;

/**
 * Every tool, registered on `host`: the 2025 session server or the 2026-07-28 stateless
 * one. execute_code and run_file can run as MCP tasks (2025-11-25 task-augmented calls,
 * 2026-07-28 Tasks extension); start_task's task is the extension task.
 */
export function registerTools(host: ToolHost<ToolDeps>, deps: ToolDeps): void {
  const add = <I extends z.ZodObject, O extends z.ZodObject>(tool: ToolDefinition<ToolDeps, I, O>) =>
    host.register(withActivity(tool.annotations.readOnlyHint ? tool : withIdempotency(tool)), deps);
  add(workspaceInfoTool);
  add({ ...executeCodeTool, task: codeTaskSupport, extensionTask: { mode: "start", when: longRun } });
  add({ ...runFileTool, task: fileTaskSupport, extensionTask: { mode: "start", when: longRun } });
  add(writeFileTool);
  add(readFileTool);
  add(listFilesTool);
  add(deleteFileTool);
  add(resetWorkspaceTool);
  add(saveWorkspaceTool);
  add({ ...startTaskTool, extensionTask: { mode: "adopt", taskId: (out) => out.task_id } });
  add(taskStatusTool);
  add(listTasksTool);
  add(taskLogsTool);
  add(cancelTaskTool);
  add(resumeTaskTool);
  // Code-mode discovery exists only when there is something to discover.
  if (deps.codemode) {
    add(searchToolsTool);
    add(describeToolTool);
  }
}
