/** Maps the `/v1` HTTP API (see src/shared/host-api.ts) onto the host's services. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError } from "../../../src/errors/app-error.ts";
import {
  ExecRequest,
  type GetProcessResponse,
  type HealthResponse,
  type ListResponse,
  type LiveSandboxesResponse,
  PathRequest,
  ProcessId,
  ProcessLogsQuery,
  type ProcessLogsResponse,
  RunCodeRequest,
  StartProcessRequest,
  type StatResponse,
} from "../../../src/shared/host-api.ts";
import { withCodemodeBridge } from "../codemode-bridge.ts";
import type { Contexts } from "../contexts/contexts.ts";
import type { RestartNotices } from "../contexts/restart-notice.ts";
import { type ExecDeps, runExec } from "../exec/exec.ts";
import type { Sandboxer } from "../isolation/sandboxer.ts";
import type { Processes } from "../processes/processes.ts";
import type { WorkspaceFiles } from "../workspace/files.ts";
import type { DiskQuota } from "../workspace/quota.ts";
import type { Workspaces } from "../workspace/workspaces.ts";
import { parseOrThrow, readBody, readJson, sendBytes, sendEmpty, sendJson } from "./io.ts";

export interface HostServices {
  sandboxer: Sandboxer;
  workspaces: Workspaces;
  files: WorkspaceFiles;
  contexts: Contexts;
  processes: Processes;
  exec: ExecDeps;
  quota: DiskQuota;
  restarts: RestartNotices;
  maxFileSizeBytes: number;
}

const JSON_LIMIT = 32 * 1024 * 1024;

function notFound(): AppError {
  return new AppError("NOT_FOUND", "no such route on the sandbox host");
}

function requirePath(url: URL): string {
  const path = url.searchParams.get("path");
  if (path === null) throw new AppError("INVALID_ARGUMENT", "query parameter `path` is required");
  return path;
}

export async function route(
  s: HostServices,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const parts = url.pathname.split("/").filter((p) => p !== "");
  const method = req.method ?? "GET";
  if (parts[0] !== "v1") throw notFound();
  if (parts.length === 2 && parts[1] === "health" && method === "GET") {
    const body: HealthResponse = {
      ok: true,
      isolation: s.sandboxer.mode,
      limits: { ...s.sandboxer.limits, mechanism: s.sandboxer.mechanism },
    };
    return sendJson(res, 200, body);
  }
  if (parts[1] !== "workspaces" || parts[2] === undefined || parts[3] === undefined) throw notFound();
  const ws = decodeURIComponent(parts[2]);
  s.workspaces.dir(ws); // validates the id before anything touches the disk
  const action = parts[3];
  const sub = parts.slice(4);

  if (sub.length === 0) {
    switch (`${method} ${action}`) {
      case "POST exec": {
        const body = await readJson(req, ExecRequest, JSON_LIMIT);
        const dir = await s.workspaces.ensure(ws);
        const restarted = await s.restarts.firstRunAfterRestart(ws, dir);
        const outcome = await runExec(s.exec, dir, body);
        return sendJson(res, 200, restarted ? { ...outcome, workspaceRestored: restarted } : outcome);
      }
      case "POST run": {
        const body = await readJson(req, RunCodeRequest, JSON_LIMIT);
        const dir = await s.workspaces.ensure(ws);
        const restarted = await s.restarts.firstRunAfterRestart(ws, dir);
        const run = () => s.contexts.run(ws, dir, body);
        const outcome = await withCodemodeBridge(dir, body.codemode, run, s.sandboxer.view);
        return sendJson(res, 200, restarted ? { ...outcome, workspaceRestored: restarted } : outcome);
      }
      case "GET files": {
        const dir = await s.workspaces.ensure(ws);
        return sendBytes(res, await s.files.read(dir, requirePath(url)));
      }
      case "PUT files": {
        const path = requirePath(url);
        const data = await readBody(req, s.maxFileSizeBytes);
        const dir = await s.workspaces.ensure(ws);
        await s.files.write(dir, path, data);
        return sendEmpty(res);
      }
      case "DELETE files": {
        const dir = await s.workspaces.ensure(ws);
        await s.files.delete(dir, requirePath(url));
        return sendEmpty(res);
      }
      case "GET list": {
        const dir = await s.workspaces.ensure(ws);
        const recursive = url.searchParams.get("recursive") === "true";
        const body: ListResponse = {
          entries: await s.files.list(dir, url.searchParams.get("path") ?? "", recursive),
        };
        return sendJson(res, 200, body);
      }
      case "GET stat": {
        const dir = await s.workspaces.ensure(ws);
        const body: StatResponse = { stat: await s.files.stat(dir, requirePath(url)) };
        return sendJson(res, 200, body);
      }
      case "POST mkdir": {
        const { path } = await readJson(req, PathRequest, JSON_LIMIT);
        const dir = await s.workspaces.ensure(ws);
        await s.files.mkdir(dir, path);
        return sendEmpty(res);
      }
      case "POST processes": {
        const body = await readJson(req, StartProcessRequest, JSON_LIMIT);
        const dir = await s.workspaces.ensure(ws);
        return sendJson(res, 200, await s.processes.start(ws, dir, body));
      }
      case "POST release": {
        const dir = s.workspaces.dir(ws);
        await Promise.all([s.contexts.release(ws), s.exec.shells?.release(dir)]);
        return sendEmpty(res);
      }
      case "GET sandboxes": {
        const body: LiveSandboxesResponse = {
          contexts: s.contexts.live(ws),
          warmShell: s.exec.shells?.live(s.workspaces.dir(ws)) ?? false,
        };
        return sendJson(res, 200, body);
      }
      case "POST reset": {
        const dir = await s.workspaces.ensure(ws);
        await Promise.all([s.contexts.dispose(ws), s.processes.dispose(ws), s.exec.shells?.dispose(dir)]);
        await s.contexts.forget(dir);
        await s.files.wipe(dir);
        await s.quota.created(dir);
        return sendEmpty(res);
      }
    }
    throw notFound();
  }

  if (action === "processes" && sub[0] !== undefined) {
    const id = parseOrThrow(ProcessId, decodeURIComponent(sub[0]));
    const tail = `${method} ${sub.slice(1).join("/")}`;
    if (tail === "GET ") {
      const body: GetProcessResponse = { process: s.processes.get(ws, id) };
      return sendJson(res, 200, body);
    }
    if (tail === "GET logs") {
      const q = parseOrThrow(ProcessLogsQuery, Object.fromEntries(url.searchParams));
      const body: ProcessLogsResponse = { logs: await s.processes.logs(ws, id, q) };
      return sendJson(res, 200, body);
    }
    if (tail === "POST kill") {
      await s.processes.kill(ws, id);
      return sendEmpty(res);
    }
  }
  throw notFound();
}
