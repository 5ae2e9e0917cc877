/**
 * The MCP session Durable Object: protocol only. It attaches to a workspace Durable
 * Object and registers the tools with plain dependencies, so moving to a stateless
 * handler later touches this folder alone.
 */
import { McpAgent } from "agents/mcp";
import { configFrom } from "../config/config.ts";
import { createMcpServer } from "../mcp/server.ts";
import { sessionToolHost } from "../mcp/session-tool-host.ts";
import { TaskEventRelay, watchedTasks } from "../mcp/tasks/relay.ts";
import { WorkspaceTaskStore } from "../mcp/tasks/task-store.ts";
import { registerTools } from "../mcp/tools/index.ts";
import { unnamedWorkspaceName, workspaceKey } from "../workspace/names.ts";
import { type WorkspaceClient, workspaceClient } from "../workspace/rpc.ts";
import { buildToolDeps } from "./tool-deps.ts";

export interface SessionProps extends Record<string, unknown> {
  principal: string;
  /** Named workspace from `?workspace=`; null means "this session's own workspace". */
  workspace: string | null;
  /** The origin the client connected to; Python code mode may call back to it (loopback only). */
  origin?: string;
}

const TOUCH_EVERY_MS = 60_000;
const LAST_ACTIVE_KEY = "lastActiveAt";
/** The workspace Durable Object this session is counted in (its key). */
const ATTACHED_KEY = "attachedWorkspace";

export class McpSession extends McpAgent<Env, unknown, SessionProps> {
  // MCP tasks (tasks/get, tasks/result, …) live in the workspace; init() attaches the store.
  private readonly mcpTasks = new WorkspaceTaskStore();
  server = createMcpServer({ taskStore: this.mcpTasks });
  private relay: TaskEventRelay | undefined;
  private lastTouch = 0;

  /**
   * No per-message SSE event log. McpAgent's default stores every response frame in DO
   * storage (and clears it after) so a dropped tool-call stream can be replayed; that is
   * several storage operations on every call, measured at ~30% of a warm execute_code round
   * trip. Work that must survive a dropped connection is a task, whose state and logs are
   * durable and whose /tasks/<id>/events stream resumes with Last-Event-ID.
   */
  protected override getEventStore(): undefined {
    return undefined;
  }

  async init(): Promise<void> {
    const props = this.props;
    if (!props?.principal) throw new Error("session started without a principal");
    const config = configFrom(this.env);

    // The unnamed workspace name is chosen once and kept, so a woken session finds it again.
    let name = props.workspace;
    if (name === null) {
      name = (await this.ctx.storage.get<string>("workspaceName")) ?? unnamedWorkspaceName();
      await this.ctx.storage.put("workspaceName", name);
    }
    const key = workspaceKey(props.principal, name);
    const ws = workspaceClient(this.env.WORKSPACE.getByName(key));
    // destroy() may run in an alarm after eviction, without init(): it finds the key here
    await this.ctx.storage.put(ATTACHED_KEY, key);
    const meta = await ws.workspace.attach(props.principal, name, props.workspace !== null, this.sessionKey);

    const taskApi = ws.tasks;
    this.relay = new TaskEventRelay(
      taskApi,
      {
        storage: this.ctx.storage,
        notify: (notification) => this.server.server.notification(notification),
        // With the session id, so the level the client set with logging/setLevel applies.
        log: (level, data) =>
          this.server.server.sendLoggingMessage({ level, logger: "tasks", data }, this.getSessionId()),
        schedule: async (seconds) => {
          await this.schedule(seconds, "relayTaskEvents");
        },
      },
      config.TASK_RETENTION_SECONDS * 1000,
    );
    const tasks = watchedTasks(taskApi, () => this.relay);
    this.mcpTasks.bind(
      tasks,
      {
        retentionMs: config.TASK_RETENTION_SECONDS * 1000,
        defaultTimeoutMs: config.TASK_DEFAULT_TIMEOUT_SECONDS * 1000,
        outputLimitBytes: config.OUTPUT_LIMIT_BYTES,
      },
      (taskId, progressToken) => this.relay?.watch(taskId, { mcp: true, progressToken }) ?? Promise.resolve(),
    );
    const deps = buildToolDeps({
      env: this.env,
      config,
      principal: props.principal,
      ws,
      meta,
      tasks,
      touch: () => this.touch(ws),
      origin: props.origin,
    });
    registerTools(sessionToolHost(this.server, this.mcpTasks), deps);
    await this.scheduleExpiry(config.SESSION_IDLE_TTL_SECONDS);
  }

  /** Scheduled callback: tells the client about changes of tasks this session started. */
  async relayTaskEvents(): Promise<void> {
    await this.relay?.tick();
  }

  private touch(ws: WorkspaceClient): void {
    const now = Date.now();
    if (now - this.lastTouch < TOUCH_EVERY_MS) return;
    this.lastTouch = now;
    this.ctx.waitUntil(Promise.all([ws.workspace.touch(), this.ctx.storage.put(LAST_ACTIVE_KEY, now)]));
  }

  private async scheduleExpiry(ttlSeconds: number): Promise<void> {
    // Only the first start counts as activity: init() also runs when the expiry alarm
    // itself wakes the object, and that must not keep an idle session alive.
    if ((await this.ctx.storage.get<number>(LAST_ACTIVE_KEY)) === undefined) {
      await this.ctx.storage.put(LAST_ACTIVE_KEY, Date.now());
    }
    // Idempotent: init() runs on every wake-up and must not stack expiry rows.
    await this.schedule(ttlSeconds, "expireIfIdle", { ttlSeconds }, { idempotent: true });
  }

  /** How this session is counted among its workspace's sessions. */
  private get sessionKey(): string {
    return this.ctx.id.toString();
  }

  /**
   * The session ends (DELETE from its client, or idle expiry): it leaves its workspace
   * first, so a workspace no session uses any more frees its idle sandboxes.
   */
  override async destroy(): Promise<void> {
    try {
      const key = await this.ctx.storage.get<string>(ATTACHED_KEY);
      if (key !== undefined) {
        await workspaceClient(this.env.WORKSPACE.getByName(key)).workspace.detach(this.sessionKey);
      }
    } catch (error) {
      console.warn("session: leaving the workspace failed; its sandboxes idle out instead", error);
    }
    await super.destroy();
  }

  /** Scheduled callback: destroys the session once it has been idle for the TTL. */
  async expireIfIdle(payload: { ttlSeconds: number }): Promise<void> {
    const last = (await this.ctx.storage.get<number>(LAST_ACTIVE_KEY)) ?? 0;
    const idleMs = Date.now() - last;
    const ttlMs = payload.ttlSeconds * 1000;
    if (idleMs < ttlMs) {
      await this.schedule(Math.ceil((ttlMs - idleMs) / 1000), "expireIfIdle", payload);
      return;
    }
    await this.destroy();
  }
}
