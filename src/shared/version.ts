/** The server's name and version, as MCP clients and upstream servers see them. */
export const SERVER_NAME = "codemode-mcp";
export const SERVER_VERSION = "0.1.0";
