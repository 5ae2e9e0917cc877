/** write_file: writes text or base64 content to a workspace file. */
import { AppError } from "../../errors/app-error.ts";
import { fromBase64 } from "../../shared/encoding.ts";
import type { ToolDeps } from "../deps.ts";
import { writeFile } from "../schemas/files.ts";
import { defineTool } from "../tool-kit.ts";

export const writeFileTool = defineTool<ToolDeps>()({
  ...writeFile,
  title: "Write a workspace file",
  description:
    "Create or overwrite a file under /workspace (parent directories are created). Use encoding base64 for binary data. Paths outside /workspace are rejected.",
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  handler: async (args, deps) => {
    const bytes =
      args.encoding === "base64" ? fromBase64(args.content) : new TextEncoder().encode(args.content);
    if (!bytes) throw new AppError("INVALID_ARGUMENT", "content is not valid base64 (encoding: base64).");
    await deps.sandbox.writeFile(deps.workspace.ref, args.path, bytes);
    const stat = await deps.sandbox.stat(deps.workspace.ref, args.path);
    return { structured: { path: stat?.path ?? args.path, size: bytes.byteLength } };
  },
});
