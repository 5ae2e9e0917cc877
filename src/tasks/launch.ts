/**
 * Turns what a caller asked to run — code in a language, a shell command, or a workspace
 * file — into the command a task process runs. Code is written to a script under
 * /workspace/.tasks/ (so it runs as an ordinary process, detached from the notebook-like
 * contexts of execute_code); shell commands run as given; files run like run_file.
 */
import type { Config } from "../config/config.ts";
import { AppError } from "../errors/app-error.ts";
import type { SandboxBackend, WorkspaceRef } from "../sandbox/backend.ts";
import { commandForFile } from "../shared/file-command.ts";
import type { Language } from "../shared/sandbox-schema.ts";
import type { TaskLaunch, TaskMetadata } from "./types.ts";

export const SCRIPT_DIR = "/workspace/.tasks";
const MAX_METADATA_BYTES = 16 * 1024;

const SCRIPT_EXTENSION: Record<Exclude<Language, "bash">, string> = {
  python: ".py",
  // Node runs .js as CommonJS, or as an ES module when it uses import/export/await.
  javascript: ".js",
  typescript: ".ts",
};

export interface RunRequest {
  code?: string | undefined;
  language?: Language | undefined;
  command?: string | undefined;
  path?: string | undefined;
  args?: string[] | undefined;
}

export function codeLaunch(taskId: string, code: string, language: Language): TaskLaunch {
  if (language === "bash") return { command: code };
  const path = `${SCRIPT_DIR}/${taskId}${SCRIPT_EXTENSION[language]}`;
  return { command: commandForFile(path, []), script: { path, content: code } };
}

/** Resolves exactly one of code / command / path into a launch. */
export async function launchFor(
  taskId: string,
  request: RunRequest,
  sandbox: SandboxBackend,
  ws: WorkspaceRef,
): Promise<{ launch: TaskLaunch; language: Language | null; path?: string }> {
  const given = (["code", "command", "path"] as const).filter((k) => request[k] !== undefined);
  if (given.length !== 1) {
    throw new AppError(
      "INVALID_ARGUMENT",
      given.length === 0
        ? "Nothing to run: give one of code, command or path."
        : `Give only one of code, command or path (got ${given.join(" and ")}).`,
      { suggestion: 'For example {"code": "print(1)", "language": "python"} or {"command": "make test"}.' },
    );
  }
  if (request.args !== undefined && request.path === undefined) {
    throw new AppError("INVALID_ARGUMENT", "args only apply to path.");
  }
  if (request.code !== undefined) {
    if (request.language === undefined) {
      throw new AppError("INVALID_ARGUMENT", "code needs a language.", {
        suggestion: "Add language: python, javascript, typescript or bash.",
      });
    }
    return { launch: codeLaunch(taskId, request.code, request.language), language: request.language };
  }
  if (request.language !== undefined && request.language !== "bash") {
    throw new AppError("INVALID_ARGUMENT", "language applies to code only.", {
      suggestion: "Drop language, or pass the program as code.",
    });
  }
  if (request.command !== undefined) return { launch: { command: request.command }, language: null };
  const path = request.path as string;
  const stat = await sandbox.stat(ws, path);
  if (!stat) {
    throw new AppError("FILE_NOT_FOUND", `No such file: ${path}`, {
      suggestion: "Check the path with list_files.",
    });
  }
  if (stat.type !== "file") throw new AppError("NOT_A_FILE", `${path} is a ${stat.type}, not a file.`);
  return {
    launch: { command: commandForFile(stat.path, request.args ?? []) },
    language: null,
    path: stat.path,
  };
}

/** Resolves a task timeout against TASK_DEFAULT_TIMEOUT_SECONDS / TASK_MAX_TIMEOUT_SECONDS. */
export function taskTimeoutMs(requested: number | undefined, config: Config): number {
  const seconds = requested ?? config.TASK_DEFAULT_TIMEOUT_SECONDS;
  if (seconds > config.TASK_MAX_TIMEOUT_SECONDS) {
    throw new AppError(
      "TIMEOUT_TOO_LARGE",
      `timeout_seconds=${seconds} exceeds this server's task maximum of ${config.TASK_MAX_TIMEOUT_SECONDS} seconds.`,
      { suggestion: "Use a smaller timeout, or split the work into several tasks." },
    );
  }
  return Math.round(seconds * 1000);
}

export function checkMetadata(metadata: TaskMetadata | undefined): TaskMetadata | null {
  if (metadata === undefined) return null;
  if (JSON.stringify(metadata).length > MAX_METADATA_BYTES) {
    throw new AppError("INVALID_ARGUMENT", `metadata is larger than ${MAX_METADATA_BYTES / 1024} KiB.`, {
      suggestion: "Keep metadata to small labels and ids; put data in workspace files.",
    });
  }
  return metadata;
}
