/**
 * The server's tools as the CLI calls them: name, arguments and result, in zod.
 *
 * The tool modules (src/mcp/tools/*) cannot be imported here: each one refers to the
 * Worker's dependency types, which reach Worker-only code (@cloudflare/codemode, Worker
 * Loader bindings) that neither loads nor type-checks on Node. So the shared schema
 * modules are imported — task views, logs and pages, run results, file entries,
 * workspace metadata are the server's own objects — and the few tool-specific shapes
 * are written here, with only the fields the CLI reads (unknown keys are dropped; --json
 * prints the raw result). test/unit/cli/schemas.test.ts checks them against the tools.
 */
import { z } from "zod";
import { RunResultFields, timeoutSeconds } from "../../src/mcp/tools/shared.ts";
import { FileEntry, Language } from "../../src/shared/sandbox-schema.ts";
import { LogPage, LogStream, TaskPage, TaskState, TaskStatus, TaskView } from "../../src/tasks/types.ts";
import { WorkspaceMeta } from "../../src/workspace/schema.ts";
import type { ToolSpec } from "./client.ts";

export { Language, LogStream, TaskState };

function tool<I extends z.ZodObject, O extends z.ZodObject>(
  name: string,
  input: I,
  output: O,
): ToolSpec<I, O> {
  return { name, input, output };
}

const path = z.string().min(1);
const taskId = z.string().min(1);
const encoding = z.enum(["utf8", "base64"]);

export const workspaceInfo = tool(
  "workspace_info",
  z.object({}),
  WorkspaceMeta.extend({
    backend: z.string(),
    durability: z.string(),
    limits: z.object({
      defaultTimeoutSeconds: z.number(),
      maxTimeoutSeconds: z.number(),
      outputLimitBytes: z.number(),
      internetAccess: z.boolean(),
    }),
  }),
);

export const executeCode = tool(
  "execute_code",
  z.object({ code: z.string().min(1), language: Language, timeout_seconds: timeoutSeconds }),
  z.object({
    ...RunResultFields,
    result: z.string().optional(),
    images: z.number().int(),
    context_reset: z.boolean(),
  }),
);

export const runFile = tool(
  "run_file",
  z.object({ path, args: z.array(z.string()).optional(), timeout_seconds: timeoutSeconds }),
  z.object({ ...RunResultFields, path: z.string() }),
);

export const listFiles = tool(
  "list_files",
  z.object({ path: z.string().optional(), recursive: z.boolean().optional() }),
  z.object({ path: z.string(), entries: z.array(FileEntry), truncated: z.boolean() }),
);

export const readFile = tool(
  "read_file",
  z.object({ path, encoding: encoding.optional() }),
  z.object({
    path: z.string(),
    size: z.number().int(),
    encoding,
    mime_type: z.string().optional(),
    content: z.string().optional(),
  }),
);

export const writeFile = tool(
  "write_file",
  z.object({ path, content: z.string(), encoding: encoding.optional() }),
  z.object({ path: z.string(), size: z.number().int() }),
);

export const deleteFile = tool("delete_file", z.object({ path }), z.object({ path: z.string() }));

export const resetWorkspace = tool("reset_workspace", z.object({}), z.object({ workspace: z.string() }));

/** What runs in a task: exactly one of code (with language), command or path. */
const runFields = {
  code: z.string().min(1).optional(),
  language: Language.optional(),
  command: z.string().min(1).optional(),
  path: path.optional(),
  args: z.array(z.string()).optional(),
  timeout_seconds: z.number().positive().optional(),
  name: z.string().min(1).optional(),
};

const StartedTask = TaskView.extend({ workspace: z.string(), events_path: z.string() });

export const startTask = tool(
  "start_task",
  z.object({ ...runFields, parent_task_id: taskId.optional() }),
  StartedTask,
);

export const resumeTask = tool("resume_task", z.object({ task_id: taskId, ...runFields }), StartedTask);

export const taskStatus = tool("task_status", z.object({ task_id: taskId }), TaskStatus);

export const listTasks = tool(
  "list_tasks",
  z.object({
    state: TaskState.optional(),
    parent_task_id: taskId.optional(),
    limit: z.number().int().min(1).max(100).optional(),
    cursor: z.string().optional(),
  }),
  TaskPage,
);

export const taskLogs = tool(
  "task_logs",
  z.object({
    task_id: taskId,
    offset: z.number().int().min(0).optional(),
    limit: z.number().int().min(1).max(2000).optional(),
    stream: LogStream.optional(),
  }),
  LogPage,
);

export const cancelTask = tool("cancel_task", z.object({ task_id: taskId }), TaskStatus);

export const searchTools = tool(
  "search_tools",
  z.object({ query: z.string(), limit: z.number().int().min(1).max(50).optional() }),
  z.object({
    matches: z.array(z.object({ name: z.string(), description: z.string() })),
    declarations: z.string(),
    totalTools: z.number().int(),
    servers: z.array(z.object({ name: z.string(), state: z.string(), error: z.string().optional() })),
  }),
);

export const describeTool = tool(
  "describe_tool",
  z.object({ name: z.string().min(1) }),
  z.object({
    name: z.string(),
    title: z.string().optional(),
    description: z.string(),
    declaration: z.string(),
  }),
);

/** Every spec, for the drift test. */
export const TOOL_SPECS = [
  workspaceInfo,
  executeCode,
  runFile,
  listFiles,
  readFile,
  writeFile,
  deleteFile,
  resetWorkspace,
  startTask,
  resumeTask,
  taskStatus,
  listTasks,
  taskLogs,
  cancelTask,
  searchTools,
  describeTool,
] as const;
