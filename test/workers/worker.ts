// The real Worker. SANDBOX is a fake of the Sandbox SDK's Durable Object (fast tests of
// tools, tasks and code mode); REAL_SANDBOX is the real Sandbox class whose containers
// are real Cloudflare Sandbox container servers run by the local container runner (the
// shared sandbox contract runs against it).
export { ContainerProxy, default, McpSession, Workspace } from "../../src/worker/index.ts";
export { Sandbox } from "./fakes/fake-sandbox-do.ts";
export { RealSandbox } from "./real-sandbox.ts";
