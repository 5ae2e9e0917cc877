import { z } from "zod";
import type { ToolDeps } from "../deps.ts";
import { defineTool } from "../tool-kit.ts";

const input = z.object({});
const output = z.object({ reset: z.literal(true), workspace: z.string() });

export const resetWorkspaceTool = defineTool<ToolDeps>()({
  name: "reset_workspace",
  title: "Reset the workspace",
  description:
    "Wipe this workspace: delete every file under /workspace, discard all execute_code contexts (variables) and kill running processes. Cannot be undone.",
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  input,
  output,
  handler: async (_args, deps) => {
    await deps.sandbox.reset(deps.workspace.ref);
    const info = await deps.workspace.info();
    return { structured: { reset: true as const, workspace: info.name } };
  },
});
