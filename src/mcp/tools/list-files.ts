import { z } from "zod";
import { FileEntry } from "../../shared/sandbox-schema.ts";
import type { ToolDeps } from "../deps.ts";
import { defineTool } from "../tool-kit.ts";

const MAX_ENTRIES = 1000;

const input = z.object({
  path: z.string().default("/workspace").describe("Directory to list (default /workspace)"),
  recursive: z.boolean().default(false).describe("Include everything below, not just direct children"),
});

const output = z.object({
  path: z.string(),
  entries: z.array(FileEntry),
  truncated: z
    .boolean()
    .describe(`more than ${MAX_ENTRIES} entries; only the first ${MAX_ENTRIES} are listed`),
});

export const listFilesTool = defineTool<ToolDeps>()({
  name: "list_files",
  title: "List workspace files",
  description: `List files and directories under /workspace with type, size and modification time. Set recursive to walk subdirectories. At most ${MAX_ENTRIES} entries are returned.`,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input,
  output,
  handler: async (args, deps) => {
    const entries = await deps.sandbox.listFiles(deps.workspace.ref, args.path, args.recursive);
    const structured = {
      path: args.path,
      entries: entries.slice(0, MAX_ENTRIES),
      truncated: entries.length > MAX_ENTRIES,
    };
    const lines = structured.entries.map(
      (e) => `${e.type === "directory" ? "d" : "-"} ${String(e.size).padStart(10)}  ${e.path}`,
    );
    return { structured, content: [{ type: "text", text: lines.join("\n") || "(empty)" }] };
  },
});
