/** Schemas of the workspace tools: workspace_info and reset_workspace. */
import { z } from "zod";
import { WorkspaceMeta } from "../../workspace/schema.ts";
import { toolContract } from "./contract.ts";

export const WorkspaceInfoInput = z.object({});
export type WorkspaceInfoInput = z.infer<typeof WorkspaceInfoInput>;

export const WorkspaceInfoOutput = WorkspaceMeta.extend({
  backend: z.enum(["local", "cloudflare"]).describe("where code runs"),
  durability: z.string().describe("what survives and what does not"),
  limits: z.object({
    defaultTimeoutSeconds: z.number(),
    maxTimeoutSeconds: z.number(),
    outputLimitBytes: z
      .number()
      .describe("per stream; beyond it head and tail are kept and the full output saved"),
    internetAccess: z.boolean(),
  }),
  outputs: z
    .object({
      bytes: z
        .number()
        .nullable()
        .describe(
          "space the saved full outputs (/workspace/.outputs) take; null if the sandbox did not answer",
        ),
      maxBytes: z.number().describe("beyond this the oldest saved outputs are deleted"),
      retentionSeconds: z.number().describe("saved outputs older than this are deleted"),
    })
    .describe("full outputs of capped runs, saved for read_file"),
});
export type WorkspaceInfoOutput = z.infer<typeof WorkspaceInfoOutput>;

export const workspaceInfo = toolContract("workspace_info", WorkspaceInfoInput, WorkspaceInfoOutput);

export const ResetWorkspaceInput = z.object({});
export type ResetWorkspaceInput = z.infer<typeof ResetWorkspaceInput>;

export const ResetWorkspaceOutput = z.object({ reset: z.literal(true), workspace: z.string() });
export type ResetWorkspaceOutput = z.infer<typeof ResetWorkspaceOutput>;

export const resetWorkspace = toolContract("reset_workspace", ResetWorkspaceInput, ResetWorkspaceOutput);
