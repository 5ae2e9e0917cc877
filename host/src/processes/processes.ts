/**
 * Background processes: started by one request, observed and killed by later ones.
 * Output goes to per-process log files read by byte offset. The table lives in memory
 * only, so after a host restart every id is unknown (`null`); the processes themselves
 * die with the host (`--die-with-parent`).
 */
import { randomBytes } from "node:crypto";
import { appendFile, mkdir, open, rm } from "node:fs/promises";
import { join } from "node:path";
import type { ProcessLogsQuery, StartProcessRequest } from "../../../src/shared/host-api.ts";
import type { ProcessInfo, ProcessLogs } from "../../../src/shared/sandbox-schema.ts";
import { bashLaunch } from "../exec/bash-command.ts";
import { sandboxCwd } from "../exec/exec.ts";
import type { Sandboxer, SandboxProcess } from "../isolation/sandboxer.ts";
import type { WorkspaceFiles } from "../workspace/files.ts";
import type { DiskQuota } from "../workspace/quota.ts";

interface Entry {
  info: ProcessInfo;
  proc: SandboxProcess;
  logs: { stdout: string; stderr: string };
  timer: NodeJS.Timeout;
  /** Set when we kill it, so the exit handler records why. */
  stopReason: "killed" | "timed_out" | null;
}

export class Processes {
  readonly #sandboxer: Sandboxer;
  readonly #logDir: string;
  readonly #files: WorkspaceFiles;
  readonly #table = new Map<string, Entry>();

  readonly #quota: DiskQuota;

  constructor(sandboxer: Sandboxer, files: WorkspaceFiles, quota: DiskQuota, logDir: string) {
    this.#sandboxer = sandboxer;
    this.#files = files;
    this.#quota = quota;
    this.#logDir = logDir;
  }

  async start(ws: string, wsDir: string, req: StartProcessRequest): Promise<ProcessInfo> {
    const id = `proc-${Date.now().toString(36)}-${randomBytes(5).toString("hex")}`;
    const cwd = await sandboxCwd(this.#sandboxer, this.#files, wsDir, req.cwd);
    const dir = join(this.#logDir, ws);
    await mkdir(dir, { recursive: true });
    const logs = { stdout: join(dir, `${id}.stdout`), stderr: join(dir, `${id}.stderr`) };
    const out = await open(logs.stdout, "w", 0o600);
    const err = await open(logs.stderr, "w", 0o600);
    let proc: SandboxProcess;
    const bash = await bashLaunch(req.command, dir, id);
    try {
      proc = await this.#sandboxer.spawn({
        workspaceDir: wsDir,
        argv: bash.argv,
        cwd,
        env: req.env,
        stdio: ["ignore", out.fd, err.fd, ...bash.extraStdio],
        cpuLimit: true,
      });
    } finally {
      await bash.release();
      await out.close();
      await err.close();
    }
    const info: ProcessInfo = {
      id,
      state: "running",
      exitCode: null,
      startedAt: new Date().toISOString(),
      endedAt: null,
    };
    const entry: Entry = {
      info,
      proc,
      logs,
      stopReason: null,
      timer: setTimeout(() => void this.#stop(entry, "timed_out"), req.timeoutMs),
    };
    this.#table.set(`${ws}/${id}`, entry);
    const unwatch = this.#quota.watch(wsDir, (used) => {
      const note = `\n${this.#quota.error(used, "the process was stopped").message}\n`;
      void appendFile(logs.stderr, note).finally(() => this.#stop(entry, "killed"));
    });
    void proc.exited.then((exit) => {
      unwatch();
      clearTimeout(entry.timer);
      entry.info = {
        ...entry.info,
        state: entry.stopReason ?? "exited",
        exitCode: entry.stopReason ? null : exit.signal ? null : exit.code,
        endedAt: new Date().toISOString(),
      };
    });
    return { ...info };
  }

  get(ws: string, id: string): ProcessInfo | null {
    const e = this.#table.get(`${ws}/${id}`);
    return e ? { ...e.info } : null;
  }

  async logs(ws: string, id: string, q: ProcessLogsQuery): Promise<ProcessLogs | null> {
    const e = this.#table.get(`${ws}/${id}`);
    if (!e) return null;
    const [stdout, stderr] = await Promise.all([
      readSlice(e.logs.stdout, q.stdoutOffset, q.limit),
      readSlice(e.logs.stderr, q.stderrOffset, q.limit),
    ]);
    return {
      stdout: stdout.text,
      stderr: stderr.text,
      stdoutOffset: q.stdoutOffset + stdout.bytes,
      stderrOffset: q.stderrOffset + stderr.bytes,
    };
  }

  async kill(ws: string, id: string): Promise<boolean> {
    const e = this.#table.get(`${ws}/${id}`);
    if (!e) return false;
    await this.#stop(e, "killed");
    return true;
  }

  /** Kills and forgets the processes of one workspace (or all). */
  async dispose(ws?: string): Promise<void> {
    const jobs: Promise<void>[] = [];
    for (const [key, e] of this.#table) {
      if (ws !== undefined && !key.startsWith(`${ws}/`)) continue;
      this.#table.delete(key);
      jobs.push(this.#stop(e, "killed"));
    }
    await Promise.all(jobs);
    if (ws !== undefined) await rm(join(this.#logDir, ws), { recursive: true, force: true });
  }

  async #stop(e: Entry, reason: "killed" | "timed_out"): Promise<void> {
    if (e.info.state !== "running") return;
    e.stopReason ??= reason;
    clearTimeout(e.timer);
    await e.proc.kill();
    await e.proc.exited;
    // let the exit handler above run before callers read the state
    await new Promise((r) => setImmediate(r));
  }
}

/** Reads up to `limit` bytes from `offset`, ending on a UTF-8 character boundary. */
async function readSlice(
  file: string,
  offset: number,
  limit: number,
): Promise<{ text: string; bytes: number }> {
  const fh = await open(file, "r").catch(() => null);
  if (!fh) return { text: "", bytes: 0 };
  try {
    const buf = new Uint8Array(limit);
    const { bytesRead } = await fh.read(buf, 0, limit, offset);
    let end = bytesRead;
    if (bytesRead === limit) {
      // do not split a multi-byte character; the rest comes with the next read
      let i = end - 1;
      while (i > 0 && ((buf[i] ?? 0) & 0xc0) === 0x80) i--;
      const lead = buf[i] ?? 0;
      const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
      if (i + need > end) end = i;
    }
    return { text: new TextDecoder().decode(buf.subarray(0, end)), bytes: end };
  } finally {
    await fh.close();
  }
}
