/**
 * `GET /tasks/<id>/events?workspace=<name>`: a task as server-sent events, for consumers
 * that do not speak MCP. The Worker authenticates first (same bearer tokens); the task is
 * looked up in the caller's own workspace Durable Object, keyed by principal and name,
 * so another principal's id is simply not found.
 *
 * Events (data is JSON):
 *   task_update   the task (TaskView) — first, then whenever its state changes
 *   task_log      { lines: LogLine[], next_offset } — new output lines
 *   task_complete the final status, when it completed
 *   task_error    the final status, when it failed, was cancelled, timed out or was lost
 * Every event's `id` is the next log offset, so a client reconnecting with
 * `Last-Event-ID` (or `?offset=`) continues after the lines it already has. The stream
 * ends after the final event; it also ends after MAX_STREAM_MS, and a client simply
 * reconnects. The Worker polls the workspace (which refreshes from the sandbox) every
 * POLL_MS while the client is connected; nothing is kept between requests.
 */
import { AppError, asAppError } from "../errors/app-error.ts";
import { isTerminal, type TaskState } from "../tasks/types.ts";
import type { TaskApi, WorkspaceClient } from "../workspace/rpc.ts";

const POLL_MS = 500;
const KEEPALIVE_MS = 15_000;
const MAX_STREAM_MS = 30 * 60_000;
const LINES_PER_EVENT = 500;

export const TASK_EVENTS_PATH = /^\/tasks\/([A-Za-z0-9_-]{1,100})\/events$/;
/** Names of unnamed (session) workspaces, as workspace_info and start_task report them. */
export const UNNAMED_WORKSPACE = /^~[0-9a-f]{16}$/;

export interface EventsRequest {
  taskId: string;
  /** Where to start in the log: `?offset=` or the `Last-Event-ID` of a reconnect. */
  offset: number;
  signal: AbortSignal;
}

export function startOffset(request: Request, url: URL): number {
  const raw = request.headers.get("Last-Event-ID") ?? url.searchParams.get("offset") ?? "0";
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new AppError("INVALID_ARGUMENT", "offset (or Last-Event-ID) must be a non-negative integer.");
  }
  return n;
}

/** Opens the stream, or throws TASK_NOT_FOUND before any byte is sent. */
export async function taskEventStream(
  workspace: WorkspaceClient,
  principal: string,
  request: EventsRequest,
): Promise<Response> {
  const meta = await workspace.workspace.info();
  if (!meta || meta.principal !== principal) {
    throw new AppError("TASK_NOT_FOUND", `No task ${request.taskId.slice(0, 40)} in this workspace.`);
  }
  const api = workspace.tasks;
  const first = await api.status(request.taskId);
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  void pump(api, request, first.state, writer).finally(() => writer.close().catch(() => undefined));
  return new Response(readable, {
    headers: {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      "X-Accel-Buffering": "no",
    },
  });
}

const encoder = new TextEncoder();

function frame(event: string, id: number, data: unknown): Uint8Array {
  return encoder.encode(`event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`);
}

async function pump(
  api: TaskApi,
  request: EventsRequest,
  initialState: TaskState,
  writer: WritableStreamDefaultWriter<Uint8Array>,
): Promise<void> {
  const started = Date.now();
  let offset = request.offset;
  let state: TaskState | null = null;
  let lastWrite = Date.now();
  const send = async (chunk: Uint8Array) => {
    await writer.write(chunk);
    lastWrite = Date.now();
  };
  try {
    await send(encoder.encode("retry: 2000\n\n"));
    let current = initialState;
    while (!request.signal.aborted && Date.now() - started < MAX_STREAM_MS) {
      if (current !== state) {
        state = current;
        await send(frame("task_update", offset, await api.status(request.taskId)));
      }
      const page = await api.logs(request.taskId, { offset, limit: LINES_PER_EVENT });
      if (page.lines.length > 0 || page.dropped) {
        offset = page.next_offset;
        await send(
          frame("task_log", offset, { lines: page.lines, dropped: page.dropped, next_offset: offset }),
        );
      } else {
        offset = page.next_offset;
      }
      current = page.state;
      if (isTerminal(page.state) && page.complete && !page.more) {
        const final = await api.status(request.taskId);
        if (state !== final.state) await send(frame("task_update", offset, final));
        await send(frame(final.state === "completed" ? "task_complete" : "task_error", offset, final));
        return;
      }
      if (page.more) continue;
      if (Date.now() - lastWrite > KEEPALIVE_MS) await send(encoder.encode(": keepalive\n\n"));
      await sleep(POLL_MS, request.signal);
    }
  } catch (error) {
    // The client went away, or the workspace failed: tell a still-connected client why.
    const known = asAppError(error);
    await writer
      .write(
        frame("task_error", offset, {
          error: known?.toJSON() ?? { code: "INTERNAL", message: "stream failed" },
        }),
      )
      .catch(() => undefined);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
