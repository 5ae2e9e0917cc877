/** reset_workspace: wipes the workspace's files and interpreter state. */
import type { ToolDeps } from "../deps.ts";
import { resetWorkspace } from "../schemas/workspace.ts";
import { defineTool } from "../tool-kit.ts";

export const resetWorkspaceTool = defineTool<ToolDeps>()({
  ...resetWorkspace,
  title: "Reset the workspace",
  description:
    "Wipe this workspace: delete every file under /workspace, discard all execute_code contexts (variables) and kill running processes. Cannot be undone.",
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  handler: async (_args, deps) => {
    await deps.sandbox.reset(deps.workspace.ref);
    const info = await deps.workspace.info();
    return { structured: { reset: true as const, workspace: info.name } };
  },
});
