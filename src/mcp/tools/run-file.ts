/** run_file: runs an existing workspace file as a fresh process, chosen by extension. */
import { AppError } from "../../errors/app-error.ts";
import { commandForFile } from "../../shared/file-command.ts";
import type { ToolDeps } from "../deps.ts";
import { runFile } from "../schemas/run.ts";
import { defineTool } from "../tool-kit.ts";
import { execResult, pruneAfterSpill, resolveTimeoutMs } from "./shared.ts";

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
    await pruneAfterSpill(deps, outcome.fullOutput);
    return { structured: { ...execResult(outcome, timeoutMs), path: stat.path } };
  },
});
