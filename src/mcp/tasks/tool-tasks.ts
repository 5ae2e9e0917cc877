/**
 * execute_code and run_file as tasks: the MCP task-augmented form of both tools, and
 * execute_code's soft timeout (`background_after_seconds`), which waits for a run like a
 * normal call but hands it over to a task when it takes longer.
 *
 * As tasks, code runs as a separate process from a script file (codeLaunch), not in the
 * notebook-like persistent context of a plain execute_code call, and the task limits
 * (TASK_DEFAULT_TIMEOUT_SECONDS / TASK_MAX_TIMEOUT_SECONDS) apply.
 */

import type { Language } from "../../shared/sandbox-schema.ts";
import { newTaskId } from "../../tasks/ids.ts";
import { codeLaunch, launchFor, taskTimeoutMs } from "../../tasks/launch.ts";
import { isTerminal, type TaskState } from "../../tasks/types.ts";
import type { ToolDeps } from "../deps.ts";
import type { ToolExtra } from "../tool-kit.ts";
import { runFields } from "./result.ts";

const WAIT_STEP_MS = 250;

export interface CodeArgs {
  code: string;
  language: Language;
  timeout_seconds?: number | undefined;
}

export interface FileArgs {
  path: string;
  args?: string[] | undefined;
  timeout_seconds?: number | undefined;
}

/** Starts an execute_code call as the MCP task `taskId`. */
export async function startCodeTask(args: CodeArgs, deps: ToolDeps, taskId: string): Promise<void> {
  const timeoutMs = taskTimeoutMs(args.timeout_seconds, deps.config);
  const launch = codeLaunch(taskId, args.code, args.language);
  await deps.tasks.launch(taskId, {
    ...launch,
    settings: { timeoutMs, language: args.language, name: null },
  });
}

/** Starts a run_file call as the MCP task `taskId` (named after the file it runs). */
export async function startFileTask(args: FileArgs, deps: ToolDeps, taskId: string): Promise<void> {
  const timeoutMs = taskTimeoutMs(args.timeout_seconds, deps.config);
  const { launch, path } = await launchFor(
    taskId,
    { path: args.path, args: args.args },
    deps.sandbox,
    deps.workspace.ref,
  );
  await deps.tasks.launch(taskId, {
    ...launch,
    settings: { timeoutMs, language: null, name: path ?? args.path },
  });
}

/** Task support for execute_code and run_file (attached where the tools are registered). */
export const codeTaskSupport = { start: startCodeTask };
export const fileTaskSupport = { start: startFileTask };

export interface BackgroundedRun {
  structured: ReturnType<typeof runFields> & {
    images: number;
    context_reset: boolean;
    task: { task_id: string; state: TaskState; backgrounded: boolean };
  };
  /** The run outlived `background_after_seconds` and continues as a task. */
  backgrounded: boolean;
}

/**
 * Runs code as a task and waits up to `afterSeconds` for it, reporting new output as
 * progress when the request carried a progress token. Returns the finished run, or the
 * output so far and the task id when it is still running.
 */
export async function runWithSoftTimeout(
  args: CodeArgs,
  afterSeconds: number,
  deps: ToolDeps,
  extra: ToolExtra,
): Promise<BackgroundedRun> {
  const id = newTaskId();
  const timeoutMs = taskTimeoutMs(args.timeout_seconds, deps.config);
  await deps.tasks.start(
    {
      id,
      origin: "execute_code",
      name: null,
      language: args.language,
      parentId: null,
      resumedFrom: null,
      metadata: null,
      timeoutMs,
    },
    codeLaunch(id, args.code, args.language),
  );
  const token = extra._meta?.progressToken;
  // Never wait longer than a plain execute_code call could run.
  const deadline = Date.now() + Math.min(afterSeconds, deps.config.MAX_TIMEOUT_SECONDS) * 1000;
  let offset = 0;
  let state: TaskState = "running";
  while (Date.now() < deadline && !extra.signal.aborted) {
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(WAIT_STEP_MS, Math.max(0, deadline - Date.now()))),
    );
    const page = await deps.tasks.logs(id, { offset, limit: 2000 });
    state = page.state;
    if (token !== undefined && page.lines.length > 0) {
      await extra
        .sendNotification({
          method: "notifications/progress",
          params: {
            progressToken: token,
            progress: page.next_offset,
            message: page.lines.at(-1)?.text ?? "",
          },
        })
        .catch(() => undefined);
    }
    offset = page.next_offset;
    if (isTerminal(page.state) && page.complete) break;
  }
  const status = await deps.tasks.status(id);
  const output = await deps.tasks.output(id, deps.config.OUTPUT_LIMIT_BYTES);
  const backgrounded = !isTerminal(status.state);
  state = status.state;
  return {
    backgrounded,
    structured: {
      ...runFields(status, output),
      images: 0,
      context_reset: false,
      task: { task_id: id, state, backgrounded },
    },
  };
}
