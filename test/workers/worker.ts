// The real Worker, with a fake of the Sandbox SDK's Durable Object standing in for the
// container class (containers cannot run in the Workers test runtime).
export { default, McpSession, Workspace } from "../../src/worker/index.ts";
export { Sandbox } from "./fakes/fake-sandbox-do.ts";
