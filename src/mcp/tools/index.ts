/** Registers every tool on a server. The only list of tools. */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { z } from "zod";
import type { ToolDeps } from "../deps.ts";
import { codeTaskSupport, fileTaskSupport } from "../tasks/tool-tasks.ts";
import { registerTool, type TaskCalls, type ToolDefinition } from "../tool-kit.ts";
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

/** `tasks` (the server's MCP task store) lets execute_code and run_file run as MCP tasks. */
export function registerTools(server: McpServer, deps: ToolDeps, tasks?: TaskCalls): void {
  registerTool(server, withActivity(workspaceInfoTool), deps);
  registerTool(server, withActivity({ ...executeCodeTool, task: codeTaskSupport }), deps, tasks);
  registerTool(server, withActivity({ ...runFileTool, task: fileTaskSupport }), deps, tasks);
  registerTool(server, withActivity(writeFileTool), deps);
  registerTool(server, withActivity(readFileTool), deps);
  registerTool(server, withActivity(listFilesTool), deps);
  registerTool(server, withActivity(deleteFileTool), deps);
  registerTool(server, withActivity(resetWorkspaceTool), deps);
  registerTool(server, withActivity(startTaskTool), deps);
  registerTool(server, withActivity(taskStatusTool), deps);
  registerTool(server, withActivity(listTasksTool), deps);
  registerTool(server, withActivity(taskLogsTool), deps);
  registerTool(server, withActivity(cancelTaskTool), deps);
  registerTool(server, withActivity(resumeTaskTool), deps);
  // Code-mode discovery exists only when there is something to discover.
  if (deps.codemode) {
    registerTool(server, withActivity(searchToolsTool), deps);
    registerTool(server, withActivity(describeToolTool), deps);
  }
}
