/**
 * `bash -c` in the sandbox: on the workspace's warm runner when there is one
 * (shell-pool.ts), else one-shot in a sandbox of its own. Output goes to capture files;
 * a timeout kills the whole tree either way.
 */
import { randomBytes } from "node:crypto";
import { open, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { ExecRequest } from "../../../src/shared/host-api.ts";
import type { ExecOutcome } from "../../../src/shared/sandbox-schema.ts";
import type { Sandboxer } from "../isolation/sandboxer.ts";
import type { WorkspaceFiles } from "../workspace/files.ts";
import { lexicalResolve } from "../workspace/paths.ts";
import type { DiskQuota } from "../workspace/quota.ts";
import { bashLaunch, fitsArgv } from "./bash-command.ts";
import { capFile, type SaveTarget } from "./capture.ts";

/** Warm runners (shell-pool.ts); `tryRun` answers null when a run must go one-shot. */
export interface WarmShells {
  tryRun(wsDir: string, cwd: string, req: ExecRequest, runId: string): Promise<ExecOutcome | null>;
  /** Stops a workspace's runner (its whole tree). */
  dispose(wsDir: string): Promise<void>;
  /** Stops a workspace's runner unless it is running a command. */
  release(wsDir: string): Promise<void>;
  /** The workspace has a live runner. */
  live(wsDir: string): boolean;
}

export interface ExecDeps {
  sandboxer: Sandboxer;
  /** Host directory for capture files (outside every workspace). */
  captureDir: string;
  files: WorkspaceFiles;
  quota: DiskQuota;
  /** Without it, every run gets a sandbox of its own. */
  shells?: WarmShells;
}

export function newRunId(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
}

/** Checks a cwd (inside the sandbox) and returns it as the sandbox sees it. */
export async function sandboxCwd(
  sandboxer: Sandboxer,
  files: WorkspaceFiles,
  wsDir: string,
  cwd: string | undefined,
): Promise<string> {
  const inside = sandboxer.paths(wsDir).workspace;
  if (cwd === undefined) return inside;
  const p = lexicalResolve(wsDir, cwd);
  if (p.relative === "") return inside;
  await files.assertDirectory(wsDir, p.relative);
  return `${inside}/${p.relative}`;
}

/** Saves a capture file into the workspace through the sandbox. */
export function saveTarget(files: WorkspaceFiles, wsDir: string, runId: string) {
  return (stream: "stdout" | "stderr"): SaveTarget => ({
    save: (path, file, size) => files.writeFromFile(wsDir, path, file, size),
    runId,
    stream,
  });
}

export async function runExec(deps: ExecDeps, wsDir: string, req: ExecRequest): Promise<ExecOutcome> {
  const runId = newRunId();
  const cwd = await sandboxCwd(deps.sandboxer, deps.files, wsDir, req.cwd);
  // Programs too long for one argument go one-shot (bash-command.ts hands them over).
  const warm = fitsArgv(req.command) ? await deps.shells?.tryRun(wsDir, cwd, req, runId) : null;
  const outcome = warm ?? (await runOneShot(deps, wsDir, cwd, req, runId));
  await deps.quota.assertWithin(wsDir, "the command was stopped or its output is not returned");
  return outcome;
}

async function runOneShot(
  deps: ExecDeps,
  wsDir: string,
  cwd: string,
  req: ExecRequest,
  runId: string,
): Promise<ExecOutcome> {
  const files = {
    stdout: join(deps.captureDir, `${runId}.stdout`),
    stderr: join(deps.captureDir, `${runId}.stderr`),
  };
  const out = await open(files.stdout, "w", 0o600);
  const err = await open(files.stderr, "w", 0o600);
  const started = performance.now();
  let terminated: ExecOutcome["terminated"];
  let exit: { code: number | null; signal: NodeJS.Signals | null };
  try {
    const bash = await bashLaunch(req.command, deps.captureDir, runId);
    const proc = await deps.sandboxer
      .spawn({
        workspaceDir: wsDir,
        argv: bash.argv,
        cwd,
        env: req.env,
        stdio: ["ignore", out.fd, err.fd, ...bash.extraStdio],
        cpuLimit: true,
      })
      .finally(() => bash.release());
    const timer = setTimeout(() => {
      terminated = "timeout";
      void proc.kill();
    }, req.timeoutMs);
    const unwatch = deps.quota.watch(wsDir, () => void proc.kill());
    exit = await proc.exited;
    clearTimeout(timer);
    unwatch();
    if (terminated) await proc.kill();
    else if (await proc.oomKilled()) terminated = "memory";
  } finally {
    await out.close();
    await err.close();
  }
  const durationMs = Math.round(performance.now() - started);
  const target = saveTarget(deps.files, wsDir, runId);
  const [stdout, stderr] = await Promise.all([
    capFile(files.stdout, req.outputLimitBytes, target("stdout")),
    capFile(files.stderr, req.outputLimitBytes, target("stderr")),
  ]);
  await Promise.all([
    unlink(files.stdout).catch(() => undefined),
    unlink(files.stderr).catch(() => undefined),
  ]);
  return {
    exitCode: terminated ? null : exitCodeOf(exit),
    stdout: stdout.text,
    stderr: stderr.text,
    truncated: { stdout: stdout.truncated, stderr: stderr.truncated },
    fullOutput: {
      ...(stdout.fullOutput ? { stdout: stdout.fullOutput } : {}),
      ...(stderr.fullOutput ? { stderr: stderr.fullOutput } : {}),
    },
    ...(terminated ? { terminated } : {}),
    durationMs,
  };
}

/** `null` when bubblewrap itself died from a signal (the host killed the tree). */
export function exitCodeOf(exit: { code: number | null; signal: NodeJS.Signals | null }): number | null {
  if (exit.signal !== null) return null;
  return exit.code;
}
