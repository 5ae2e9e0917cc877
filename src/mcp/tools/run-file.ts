import { AppError } from "../../errors/app-error.ts";
import { shellQuote } from "../../shared/workspace-path.ts";
import type { ToolDeps } from "../deps.ts";
import { runFile } from "../schemas/run.ts";
import { defineTool } from "../tool-kit.ts";
import { execResult, resolveTimeoutMs } from "./shared.ts";

/** Interpreter per extension. TypeScript runs on Node's built-in type stripping. */
const RUNNERS: Record<string, string> = {
  ".py": "python3 -u",
  ".js": "node",
  ".mjs": "node",
  ".cjs": "node",
  ".ts": "node",
  ".sh": "bash",
};

export function commandForFile(path: string, args: string[]): string {
  const dot = path.lastIndexOf(".");
  const ext = dot >= 0 ? path.slice(dot).toLowerCase() : "";
  const runner = RUNNERS[ext];
  if (!runner) {
    throw new AppError(
      "UNSUPPORTED_FILE_TYPE",
      `Cannot run "${path}": unsupported extension "${ext || "(none)"}".`,
      {
        suggestion: `Supported: ${Object.keys(RUNNERS).join(", ")}. Use execute_code with language bash for anything else.`,
      },
    );
  }
  return [runner, shellQuote(path), ...args.map(shellQuote)].join(" ");
}

export const runFileTool = defineTool<ToolDeps>()({
  ...runFile,
  title: "Run a workspace file",
  description:
    "Run an existing file from the workspace as a fresh process, chosen by extension: .py (python3), .js/.mjs/.cjs/.ts (node), .sh (bash). The working directory is /workspace. Returns exit code, stdout and stderr (capped like execute_code), and duration. Use write_file first to create the file.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  handler: async (args, deps) => {
    const timeoutMs = resolveTimeoutMs(args.timeout_seconds, deps.config);
    const stat = await deps.sandbox.stat(deps.workspace.ref, args.path);
    if (!stat)
      throw new AppError("FILE_NOT_FOUND", `No such file: ${args.path}`, {
        suggestion: "Check the path with list_files.",
      });
    if (stat.type !== "file") throw new AppError("NOT_A_FILE", `${args.path} is a ${stat.type}, not a file.`);
    const command = commandForFile(stat.path, args.args ?? []);
    const outcome = await deps.sandbox.exec(deps.workspace.ref, command, {
      timeoutMs,
      outputLimitBytes: deps.config.OUTPUT_LIMIT_BYTES,
    });
    return { structured: { ...execResult(outcome, timeoutMs), path: stat.path } };
  },
});
