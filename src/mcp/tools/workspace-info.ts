/** workspace_info: the workspace's name, sandbox and expiry, and the server's limits. */
import { spillFilesSize } from "../../sandbox/spill-files.ts";
import type { ToolDeps } from "../deps.ts";
import { workspaceInfo } from "../schemas/workspace.ts";
import { defineTool } from "../tool-kit.ts";
import { savesView } from "./saves.ts";

export const workspaceInfoTool = defineTool<ToolDeps>()({
  ...workspaceInfo,
  title: "Workspace info",
  description:
    "Describe the workspace this session is attached to: its name, owner, sandbox backend, limits (timeouts, output cap, internet access), when it was created and last used, what survives what (idle sleep, restarts, redeploys, reset, expiry) and when its files were last saved. Call it first to learn the limits before running long or chatty code.",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async (_args, deps) => {
    const [meta, outputBytes, saves] = await Promise.all([
      deps.workspace.info(),
      spillFilesSize(deps.sandbox, deps.workspace.ref).catch(() => null),
      deps.sandbox.backupStatus?.(deps.workspace.ref).catch(() => null) ?? null,
    ]);
    const c = deps.config;
    return {
      structured: {
        ...meta,
        backend: deps.sandbox.kind,
        durability: deps.sandbox.durability.note,
        survives: [...deps.sandbox.durability.survives],
        saves: saves ? savesView(saves) : null,
        limits: {
          defaultTimeoutSeconds: c.DEFAULT_TIMEOUT_SECONDS,
          maxTimeoutSeconds: c.MAX_TIMEOUT_SECONDS,
          outputLimitBytes: c.OUTPUT_LIMIT_BYTES,
          internetAccess: c.SANDBOX_ENABLE_INTERNET,
        },
        outputs: {
          bytes: outputBytes,
          maxBytes: c.OUTPUT_MAX_BYTES,
          retentionSeconds: c.OUTPUT_RETENTION_SECONDS,
        },
      },
    };
  },
});
