/** Schemas of the workspace tools: workspace_info and reset_workspace. */
import { z } from "zod";
import { WorkspaceMeta } from "../../workspace/schema.ts";
import { toolContract } from "./contract.ts";

export const WorkspaceInfoInput = z.object({});
export type WorkspaceInfoInput = z.infer<typeof WorkspaceInfoInput>;

export const SurvivalRow = z.object({
  event: z.string(),
  files: z.string().describe("what becomes of the files under /workspace"),
  memory: z.string().describe("what becomes of interpreter memory (variables) and running processes"),
});

export const LastSave = z.object({
  saved_at: z.string(),
  reason: z
    .enum(["sleep", "task", "explicit"])
    .describe("container about to sleep, a task ended, save_workspace"),
  files: z.number().int(),
  bytes: z.number().int().describe("size of the saved files"),
  archive_bytes: z.number().int().describe("compressed size in storage"),
});

export const Saves = z
  .object({
    enabled: z.boolean().describe("files are saved when the container sleeps and restored when it starts"),
    last_save: LastSave.nullable(),
    last_failure: z
      .object({ at: z.string(), code: z.string(), message: z.string() })
      .nullable()
      .describe("the last save that did not happen (the save before it stands)"),
  })
  .describe("saved copies of the files, on backends whose sandboxes lose their disk");
export type Saves = z.infer<typeof Saves>;

export const WorkspaceInfoOutput = WorkspaceMeta.extend({
  backend: z.enum(["local", "cloudflare"]).describe("where code runs"),
  durability: z.string().describe("what survives and what does not"),
  survives: z.array(SurvivalRow).describe("what survives what, on this backend"),
  saves: Saves.nullable().describe("null where files never leave the disk (local host)"),
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

export const SaveWorkspaceInput = z.object({});
export type SaveWorkspaceInput = z.infer<typeof SaveWorkspaceInput>;

export const SaveWorkspaceOutput = z.object({
  saved: z
    .boolean()
    .describe("a copy was written now (false: there was nothing new to save, or nothing needs saving)"),
  message: z.string(),
  saves: Saves.nullable(),
});
export type SaveWorkspaceOutput = z.infer<typeof SaveWorkspaceOutput>;

export const saveWorkspace = toolContract("save_workspace", SaveWorkspaceInput, SaveWorkspaceOutput);
