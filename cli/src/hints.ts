/**
 * The server's messages are written for a model and name MCP tools ("use task_status").
 * On the command line the same advice names the command that does it.
 */
const COMMAND_FOR_TOOL: Readonly<Record<string, string>> = {
  workspace_info: "info",
  execute_code: "exec",
  run_file: "run",
  list_files: "ls",
  read_file: "cat",
  write_file: "put",
  delete_file: "rm",
  reset_workspace: "reset --yes",
  start_task: "task start",
  task_status: "task status",
  list_tasks: "task list",
  task_logs: "task logs",
  cancel_task: "task cancel",
  resume_task: "task resume",
  search_tools: "tools search",
  describe_tool: "tools describe",
};

const TOOL_NAME = new RegExp(`\\b(${Object.keys(COMMAND_FOR_TOOL).join("|")})\\b`, "g");

/** `text` with every tool name replaced by the CLI command that calls that tool. */
export function inCliTerms(text: string): string {
  return text.replace(TOOL_NAME, (tool) => `'codemode-mcp ${COMMAND_FOR_TOOL[tool]}'`);
}
