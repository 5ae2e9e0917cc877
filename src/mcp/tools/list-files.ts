/** list_files: a directory listing under /workspace. */
import type { ToolDeps } from "../deps.ts";
import { listFiles, MAX_LISTED_ENTRIES } from "../schemas/files.ts";
import { defineTool } from "../tool-kit.ts";

export const listFilesTool = defineTool<ToolDeps>()({
  ...listFiles,
  title: "List workspace files",
  description: `List files and directories under /workspace with type, size and modification time. Set recursive to walk subdirectories. At most ${MAX_LISTED_ENTRIES} entries are returned.`,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async (args, deps) => {
    const entries = await deps.sandbox.listFiles(deps.workspace.ref, args.path, args.recursive);
    const structured = {
      path: args.path,
      entries: entries.slice(0, MAX_LISTED_ENTRIES),
      truncated: entries.length > MAX_LISTED_ENTRIES,
    };
    const lines = structured.entries.map(
      (e) => `${e.type === "directory" ? "d" : "-"} ${String(e.size).padStart(10)}  ${e.path}`,
    );
    return { structured, content: [{ type: "text", text: lines.join("\n") || "(empty)" }] };
  },
});
