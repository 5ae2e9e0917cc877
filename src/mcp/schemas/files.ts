/** Schemas of the file tools: write_file, read_file, list_files and delete_file. */
import { z } from "zod";
import { FileEntry } from "../../shared/sandbox-schema.ts";
import { toolContract } from "./contract.ts";

/** Most entries list_files returns; its description and result say so. */
export const MAX_LISTED_ENTRIES = 1000;

const Encoding = z.enum(["utf8", "base64"]);

export const WriteFileInput = z.object({
  path: z.string().min(1).describe("Workspace path, relative to /workspace or absolute under it"),
  content: z.string().describe("File content: text, or base64 when encoding is base64"),
  encoding: Encoding.default("utf8").describe("utf8 for text, base64 for binary data"),
});
export type WriteFileInput = z.infer<typeof WriteFileInput>;

export const WriteFileOutput = z.object({
  path: z.string(),
  size: z.number().int().describe("bytes written"),
});
export type WriteFileOutput = z.infer<typeof WriteFileOutput>;

export const writeFile = toolContract("write_file", WriteFileInput, WriteFileOutput);

export const ReadFileInput = z.object({
  path: z.string().min(1).describe("Workspace path, relative to /workspace or absolute under it"),
  encoding: Encoding.optional().describe(
    "Force an encoding; by default text comes back as utf8 and binary as base64",
  ),
});
export type ReadFileInput = z.infer<typeof ReadFileInput>;

export const ReadFileOutput = z.object({
  path: z.string(),
  size: z.number().int(),
  encoding: Encoding,
  mime_type: z.string().optional(),
  content: z.string().optional().describe("omitted for images, which come back as image content"),
});
export type ReadFileOutput = z.infer<typeof ReadFileOutput>;

export const readFile = toolContract("read_file", ReadFileInput, ReadFileOutput);

export const ListFilesInput = z.object({
  path: z.string().default("/workspace").describe("Directory to list (default /workspace)"),
  recursive: z.boolean().default(false).describe("Include everything below, not just direct children"),
});
export type ListFilesInput = z.infer<typeof ListFilesInput>;

export const ListFilesOutput = z.object({
  path: z.string(),
  entries: z.array(FileEntry),
  truncated: z
    .boolean()
    .describe(`more than ${MAX_LISTED_ENTRIES} entries; only the first ${MAX_LISTED_ENTRIES} are listed`),
});
export type ListFilesOutput = z.infer<typeof ListFilesOutput>;

export const listFiles = toolContract("list_files", ListFilesInput, ListFilesOutput);

export const DeleteFileInput = z.object({
  path: z
    .string()
    .min(1)
    .describe("Workspace file or directory to delete (directories are removed recursively)"),
});
export type DeleteFileInput = z.infer<typeof DeleteFileInput>;

export const DeleteFileOutput = z.object({ path: z.string(), deleted: z.literal(true) });
export type DeleteFileOutput = z.infer<typeof DeleteFileOutput>;

export const deleteFile = toolContract("delete_file", DeleteFileInput, DeleteFileOutput);
