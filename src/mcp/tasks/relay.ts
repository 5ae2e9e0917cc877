/**
 * Task events for MCP clients. The session that started a task follows it and tells its
 * client when it changes:
 * - `notifications/message` (logger "tasks") on every state change, at the level the
 *   client chose with logging/setLevel;
 * - for MCP task-augmented calls, `notifications/tasks/status` with the MCP task, and
 *   `notifications/progress` with the call's progress token (progress = lines of output)
 *   when the client sent one: the spec keeps a task's progress token valid until the
 *   task finishes, so these may follow the call's response.
 * These go out on the session's standalone stream (they relate to no open request).
 *
 * The watch list lives in the session Durable Object's storage (key WATCH_KEY), so a
 * session that is evicted resumes following its tasks when its schedule fires.
 */
import type { ServerNotification } from "@modelcontextprotocol/sdk/types.js";
import { asAppError } from "../../errors/app-error.ts";
import { isTerminal, type TaskState } from "../../tasks/types.ts";
import type { TaskApi } from "../../workspace/rpc.ts";
import { mcpTask } from "./result.ts";

const WATCH_KEY = "tasks:watch";
/** When the next tick is due; a schedule is only added when none is pending. */
const NEXT_KEY = "tasks:next-tick";
const TICK_MS = 1_000;
/** Tasks one session follows at most; the oldest are dropped beyond it. */
const MAX_WATCHED = 64;

interface Watched {
  state: TaskState | null;
  lines: number;
  mcp: boolean;
  token?: string | number;
}

type WatchList = Record<string, Watched>;

export interface RelayHost {
  storage: Pick<DurableObjectStorage, "get" | "put">;
  /** A notification on the standalone stream (no related request). */
  notify(notification: ServerNotification): Promise<void>;
  /** Sends a logging message if the client's level admits it. */
  log(level: "info" | "warning" | "error", data: unknown): Promise<void>;
  /** Calls `tick` after `seconds` (the session's scheduler). */
  schedule(seconds: number): Promise<void>;
}

const LEVEL: Record<TaskState, "info" | "warning" | "error"> = {
  queued: "info",
  running: "info",
  completed: "info",
  cancelled: "warning",
  failed: "error",
  timed_out: "error",
  lost: "error",
};

export class TaskEventRelay {
  readonly #api: TaskApi;
  readonly #host: RelayHost;
  readonly #retentionMs: number;

  constructor(api: TaskApi, host: RelayHost, retentionMs: number) {
    this.#api = api;
    this.#host = host;
    this.#retentionMs = retentionMs;
  }

  async watch(
    taskId: string,
    options: { mcp: boolean; progressToken?: string | number | undefined },
  ): Promise<void> {
    const list = (await this.#host.storage.get<WatchList>(WATCH_KEY)) ?? {};
    list[taskId] = {
      state: null,
      lines: 0,
      mcp: options.mcp,
      ...(options.progressToken === undefined ? {} : { token: options.progressToken }),
    };
    const ids = Object.keys(list);
    for (const old of ids.slice(0, Math.max(0, ids.length - MAX_WATCHED))) delete list[old];
    await this.#host.storage.put(WATCH_KEY, list);
    await this.#arm();
  }

  /** Looks at every watched task once; announces changes; re-arms while any is unfinished. */
  async tick(): Promise<void> {
    await this.#host.storage.put(NEXT_KEY, 0);
    const list = (await this.#host.storage.get<WatchList>(WATCH_KEY)) ?? {};
    for (const [id, seen] of Object.entries(list)) {
      try {
        await this.#check(id, seen);
        if (seen.state !== null && isTerminal(seen.state)) delete list[id];
      } catch (error) {
        if (asAppError(error)?.code === "TASK_NOT_FOUND") delete list[id];
        else console.warn(`task events: could not check ${id}`, error);
      }
    }
    await this.#host.storage.put(WATCH_KEY, list);
    if (Object.keys(list).length > 0) await this.#arm();
  }

  async #arm(): Promise<void> {
    const due = (await this.#host.storage.get<number>(NEXT_KEY)) ?? 0;
    if (due > Date.now()) return;
    await this.#host.storage.put(NEXT_KEY, Date.now() + TICK_MS);
    await this.#host.schedule(TICK_MS / 1000);
  }

  async #check(id: string, seen: Watched): Promise<void> {
    const status = await this.#api.status(id);
    const changed = status.state !== seen.state;
    const grew = status.log.lines > seen.lines;
    if (changed) {
      await this.#host.log(LEVEL[status.state], {
        event: "task_update",
        task_id: id,
        name: status.name,
        state: status.state,
        exit_code: status.exit_code,
        reason: status.reason,
      });
      if (seen.mcp) {
        await this.#host.notify({
          method: "notifications/tasks/status",
          params: mcpTask(status, this.#retentionMs),
        });
      }
    }
    // Progress must increase with every notification: it counts output lines.
    if (seen.token !== undefined && grew) {
      await this.#host.notify({
        method: "notifications/progress",
        params: {
          progressToken: seen.token,
          progress: status.log.lines,
          message: isTerminal(status.state) ? status.state : (status.tail.at(-1) ?? status.state),
        },
      });
    }
    seen.state = status.state;
    seen.lines = status.log.lines;
  }
}

/** A TaskApi whose starts are followed by `relay` (tasks started from this session). */
export function watchedTasks(api: TaskApi, relay: () => TaskEventRelay | undefined): TaskApi {
  return {
    ...api,
    start: async (spec, launch) => {
      const view = await api.start(spec, launch);
      await relay()?.watch(view.task_id, { mcp: false });
      return view;
    },
  };
}
