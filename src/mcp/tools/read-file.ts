/** read_file: a workspace file as text or base64, with size limits. */
import { AppError } from "../../errors/app-error.ts";
import { toBase64 } from "../../shared/encoding.ts";
import type { ToolDeps } from "../deps.ts";
import { readFile } from "../schemas/files.ts";
import { defineTool } from "../tool-kit.ts";
import { asUtf8, imageMimeType, MAX_READ_BYTES } from "./files.ts";

export const readFileTool = defineTool<ToolDeps>()({
  ...readFile,
  title: "Read a workspace file",
  description:
    "Read a file under /workspace. Text comes back as utf8, binary as base64, and images (png, jpeg, gif, webp) as image content you can see. Files over 4 MB are refused: inspect them with execute_code instead.",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async (args, deps) => {
    const stat = await deps.sandbox.stat(deps.workspace.ref, args.path);
    if (!stat)
      throw new AppError("FILE_NOT_FOUND", `No such file: ${args.path}`, {
        suggestion: "Check the path with list_files.",
      });
    if (stat.type !== "file")
      throw new AppError("NOT_A_FILE", `${args.path} is a ${stat.type}; use list_files for directories.`);
    if (stat.size > MAX_READ_BYTES) {
      throw new AppError(
        "FILE_TOO_LARGE",
        `${stat.path} is ${stat.size} bytes; read_file returns at most ${MAX_READ_BYTES}.`,
        {
          suggestion: "Use execute_code (e.g. head, tail, grep or pandas) to look at part of it.",
        },
      );
    }
    const bytes = await deps.sandbox.readFile(deps.workspace.ref, stat.path);
    const image = imageMimeType(stat.path);
    if (image && args.encoding === undefined) {
      return {
        structured: {
          path: stat.path,
          size: bytes.byteLength,
          encoding: "base64" as const,
          mime_type: image,
        },
        content: [
          { type: "text", text: `${stat.path} (${image}, ${bytes.byteLength} bytes)` },
          { type: "image", data: toBase64(bytes), mimeType: image },
        ],
      };
    }
    const text = args.encoding === "base64" ? undefined : asUtf8(bytes);
    if (args.encoding === "utf8" && text === undefined) {
      throw new AppError("INVALID_ARGUMENT", `${stat.path} is not valid UTF-8 text.`, {
        suggestion: "Read it with encoding base64.",
      });
    }
    const structured =
      text !== undefined
        ? { path: stat.path, size: bytes.byteLength, encoding: "utf8" as const, content: text }
        : { path: stat.path, size: bytes.byteLength, encoding: "base64" as const, content: toBase64(bytes) };
    return {
      structured,
      content: [{ type: "text", text: structured.content }],
    };
  },
});
