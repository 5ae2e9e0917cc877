#!/usr/bin/env node
/**
 * codemode-mcp: the command line for this server. `npm run cli -- <command> …`.
 * Wires the real streams and the MCP client into runCli and exits with its status.
 */
import { runCli } from "./cli.ts";
import { nodeIo } from "./io.ts";
import { connectMcp } from "./mcp-client.ts";

process.exitCode = await runCli(process.argv.slice(2), { io: nodeIo(), connect: connectMcp });
