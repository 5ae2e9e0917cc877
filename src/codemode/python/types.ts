/** Shapes shared by the Python runner (session side) and the workspace Durable Object. */
import type { UpstreamTool } from "../upstreams.ts";

export interface OpenRunOptions {
  timeoutMs: number;
  /** The sandbox the run executes in, when the channel can identify it (Cloudflare). */
  sandboxId?: string;
}

export interface OpenedRun {
  runId: string;
  token: string;
  /** The tools the run may call (allowed, from reachable servers). */
  tools: UpstreamTool[];
}
