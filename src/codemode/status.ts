/** What search_tools and the upstream manager report about each upstream server. */
import { z } from "zod";

export const ServerStatus = z.object({
  name: z.string(),
  state: z.enum(["ok", "unreachable", "misconfigured", "not_connected"]),
  transport: z.enum(["streamable-http", "sse"]).optional(),
  tools: z.number().int().optional().describe("tools exposed after allow/deny"),
  hiddenTools: z.number().int().optional().describe("tools hidden by the allow/deny configuration"),
  error: z.string().optional(),
});
export type ServerStatus = z.infer<typeof ServerStatus>;
