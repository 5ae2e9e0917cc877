export const SERVER_NAME = "codemode-mcp";
export const SERVER_VERSION = "0.1.0";
