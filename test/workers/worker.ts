// The real Worker. Its Sandbox Durable Object is the project's class with the local
// container stand-in: real Cloudflare Sandbox container servers run by the container
// runner that the global setup started (see real-sandbox.ts).
export { ContainerProxy, default, McpSession, SandboxPool, Workspace } from "../../src/worker/index.ts";
export { RealSandbox as Sandbox } from "./real-sandbox.ts";
