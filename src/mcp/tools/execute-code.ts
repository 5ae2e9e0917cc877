/**
 * execute_code: runs a program in the workspace's persistent context, through code mode when
 * it uses `codemode` (src/codemode/routing.ts), or as a task after
 * `background_after_seconds`.
 */
import { usesCodemode } from "../../codemode/routing.ts";
import type { Image } from "../../shared/sandbox-schema.ts";
import type { ToolDeps } from "../deps.ts";
import { executeCode } from "../schemas/run.ts";
import { runWithSoftTimeout } from "../tasks/tool-tasks.ts";
import { defineTool } from "../tool-kit.ts";
import { execResult, pruneAfterSpill, resolveTimeoutMs, terminationDiagnostics } from "./shared.ts";

export const executeCodeTool = defineTool<ToolDeps>()({
  ...executeCode,
  title: "Execute code",
  description:
    "Run Python, JavaScript, TypeScript or bash in this workspace's isolated sandbox (no network; files under /workspace persist between calls). Python/JS/TS keep variables between calls like a notebook, and the value of a trailing expression is returned as `result`. matplotlib figures come back as images. Output per stream is capped: head and tail are kept and the full text is saved to a file named in `full_output` (read it with read_file). On timeout the run is killed, partial output is returned, and the next call works normally. For work longer than a few minutes use start_task. When upstream MCP servers are configured, code can call their tools as `await codemode.<server>.<tool>(args)` (JavaScript/TypeScript) or `codemode.<server>.<tool>(...)` (Python): find them with search_tools and return only what matters.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  handler: async (args, deps, extra) => {
    if (args.background_after_seconds !== undefined) {
      const run = await runWithSoftTimeout(args, args.background_after_seconds, deps, extra);
      if (!run.backgrounded) return { structured: run.structured };
      const note = `Still running after ${args.background_after_seconds} s; it continues as task ${run.structured.task.task_id}. Follow it with task_status and task_logs, or stop it with cancel_task.`;
      return {
        structured: run.structured,
        content: [
          { type: "text", text: note },
          { type: "text", text: JSON.stringify(run.structured, null, 2) },
        ],
      };
    }
    const timeoutMs = resolveTimeoutMs(args.timeout_seconds, deps.config);
    const outputLimitBytes = deps.config.OUTPUT_LIMIT_BYTES;
    if (args.language === "bash") {
      const outcome = await deps.sandbox.exec(deps.workspace.ref, args.code, { timeoutMs, outputLimitBytes });
      // A fresh shell every time: only a restart (workspace_restored) resets anything.
      const structured = {
        ...execResult(outcome, timeoutMs),
        images: 0,
        context_reset: outcome.workspaceRestored !== undefined,
      };
      await pruneAfterSpill(deps, outcome.fullOutput);
      return { structured };
    }
    const runOptions = { timeoutMs, outputLimitBytes, resetContext: args.reset_context ?? false };
    // Code that refers to `codemode` (as code: comments and strings do not count, see
    // src/codemode/routing.ts) runs through code mode (JS/TS in an isolate, Python in the
    // sandbox with the codemode module); everything else in the persistent context.
    const codemodeRun =
      deps.codemode && usesCodemode(args.code, args.language)
        ? await deps.codemode.execute(args.language, args.code, runOptions)
        : undefined;
    const outcome =
      codemodeRun?.outcome ??
      (await deps.sandbox.runCode(deps.workspace.ref, args.code, args.language, runOptions));
    const failure =
      terminationDiagnostics(outcome.terminated, timeoutMs) ??
      (outcome.error
        ? { error_type: "EXCEPTION" as const, message: `${outcome.error.name}: ${outcome.error.message}` }
        : null);
    const diagnostics = codemodeRun ? { ...(failure ?? {}), codemode_calls: codemodeRun.calls } : failure;
    await pruneAfterSpill(deps, outcome.fullOutput);
    const structured = {
      success: outcome.success,
      stdout: outcome.stdout,
      stderr: outcome.stderr,
      // Same meaning as for bash: 0 on success, 1 for an uncaught exception, null when killed.
      exit_code: outcome.terminated ? null : outcome.success ? 0 : 1,
      ...(outcome.error ? { error: outcome.error } : {}),
      ...(outcome.result !== undefined ? { result: outcome.result } : {}),
      duration_ms: outcome.durationMs,
      truncated: outcome.truncated,
      full_output: outcome.fullOutput,
      diagnostics,
      images: outcome.images.length,
      context_reset: outcome.contextReset,
      ...(outcome.workspaceRestored ? { workspace_restored: outcome.workspaceRestored } : {}),
    };
    return {
      structured,
      content: [
        { type: "text", text: JSON.stringify(structured, null, 2) },
        ...outcome.images.map((img: Image) => ({
          type: "image" as const,
          data: img.data,
          mimeType: img.mimeType,
        })),
      ],
    };
  },
});
