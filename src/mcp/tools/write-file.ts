import { z } from "zod";
import { AppError } from "../../errors/app-error.ts";
import type { ToolDeps } from "../deps.ts";
import { defineTool } from "../tool-kit.ts";
import { fromBase64 } from "./files.ts";

const input = z.object({
  path: z.string().min(1).describe("Workspace path, relative to /workspace or absolute under it"),
  content: z.string().describe("File content: text, or base64 when encoding is base64"),
  encoding: z.enum(["utf8", "base64"]).default("utf8").describe("utf8 for text, base64 for binary data"),
});

const output = z.object({ path: z.string(), size: z.number().int().describe("bytes written") });

export const writeFileTool = defineTool<ToolDeps>()({
  name: "write_file",
  title: "Write a workspace file",
  description:
    "Create or overwrite a file under /workspace (parent directories are created). Use encoding base64 for binary data. Paths outside /workspace are rejected.",
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  input,
  output,
  handler: async (args, deps) => {
    const bytes =
      args.encoding === "base64" ? fromBase64(args.content) : new TextEncoder().encode(args.content);
    if (!bytes) throw new AppError("INVALID_ARGUMENT", "content is not valid base64 (encoding: base64).");
    await deps.sandbox.writeFile(deps.workspace.ref, args.path, bytes);
    const stat = await deps.sandbox.stat(deps.workspace.ref, args.path);
    return { structured: { path: stat?.path ?? args.path, size: bytes.byteLength } };
  },
});
