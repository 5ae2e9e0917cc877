/** save_workspace: saves the workspace's files now, where they outlive the sandbox. */
import type { ToolDeps } from "../deps.ts";
import { saveWorkspace } from "../schemas/workspace.ts";
import { defineTool } from "../tool-kit.ts";
import { savesView } from "./saves.ts";

export const saveWorkspaceTool = defineTool<ToolDeps>()({
  ...saveWorkspace,
  title: "Save the workspace",
  description:
    "Save the files under /workspace now so they survive the sandbox stopping (idle sleep, restart, redeploy). Saves also happen by themselves before an idle sleep and when a task ends; call this after important changes. Interpreter memory is never saved. .outputs/ and patterns listed in /workspace/.workspaceignore are skipped; a workspace over the size limit is refused with WORKSPACE_TOO_LARGE and the previous save stands. On the local backend files are already on disk and nothing needs saving.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async (_args, deps) => {
    const sandbox = deps.sandbox;
    if (!sandbox.saveWorkspace) {
      return {
        structured: {
          saved: false,
          message:
            "Nothing to do: on this backend the files under /workspace are already on the sandbox host's disk and survive restarts. Interpreter memory does not.",
          saves: null,
        },
      };
    }
    const before = (await sandbox.backupStatus?.(deps.workspace.ref))?.lastSave?.savedAt;
    const status = await sandbox.saveWorkspace(deps.workspace.ref, "explicit");
    if (!status.enabled) {
      return {
        structured: {
          saved: false,
          message:
            "This server has no storage for saves (no WORKSPACE_BACKUPS bucket): files are lost when the container sleeps or restarts. Copy anything important elsewhere.",
          saves: savesView(status),
        },
      };
    }
    const saved = status.lastSave !== null && status.lastSave.savedAt !== before;
    const message = saved
      ? `Saved ${status.lastSave?.files} files (${status.lastSave?.bytes} bytes).`
      : status.lastSave
        ? `Nothing new to save: the save from ${status.lastSave.savedAt} is current.`
        : "Nothing to save: the workspace is empty.";
    return { structured: { saved, message, saves: savesView(status) } };
  },
});
