/** delete_file: removes a file or directory under /workspace. */
import { AppError } from "../../errors/app-error.ts";
import type { ToolDeps } from "../deps.ts";
import { deleteFile } from "../schemas/files.ts";
import { defineTool } from "../tool-kit.ts";

export const deleteFileTool = defineTool<ToolDeps>()({
  ...deleteFile,
  title: "Delete a workspace file",
  description:
    "Delete a file or directory (recursively) under /workspace. The workspace root itself cannot be deleted; use reset_workspace for that.",
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  handler: async (args, deps) => {
    const stat = await deps.sandbox.stat(deps.workspace.ref, args.path);
    if (!stat) throw new AppError("FILE_NOT_FOUND", `No such file: ${args.path}`);
    if (stat.path === "/workspace") {
      throw new AppError("INVALID_PATH", "Refusing to delete /workspace itself.", {
        suggestion: "Use reset_workspace.",
      });
    }
    await deps.sandbox.deleteFile(deps.workspace.ref, stat.path);
    return { structured: { path: stat.path, deleted: true as const } };
  },
});
