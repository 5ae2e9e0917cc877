/** WorkspaceMeta: what workspace_info and the session see of a workspace. */
import { z } from "zod";

export const WorkspaceMeta = z.object({
  name: z.string().describe('workspace name; "~…" for a session\'s unnamed workspace'),
  named: z.boolean().describe("true when attached with ?workspace=<name> (reattachable)"),
  principal: z.string(),
  sandboxId: z.string(),
  createdAt: z.string().describe("ISO 8601"),
  lastUsedAt: z.string().describe("ISO 8601"),
  expiresAt: z.string().nullable().describe("when an idle unnamed workspace is deleted; null for named ones"),
});
export type WorkspaceMeta = z.infer<typeof WorkspaceMeta>;
