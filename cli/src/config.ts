/**
 * Where the CLI connects and as whom: flags first, then CODEMODE_* environment variables,
 * then defaults. Resolved once per run, before anything is sent. The token is required
 * and never appears in any message.
 */
import { WORKSPACE_NAME } from "../../src/workspace/names.ts";
import type { GlobalValues } from "./args.ts";
import { UsageError } from "./errors.ts";

export const DEFAULT_URL = "http://localhost:8787/mcp";

export interface CliConfig {
  /** The MCP endpoint, with `?workspace=` when a workspace is named. */
  url: URL;
  token: string;
  workspace: string | undefined;
}

export function resolveConfig(
  flags: GlobalValues,
  env: Readonly<Record<string, string | undefined>>,
): CliConfig {
  const rawUrl = flags.url ?? nonEmpty(env.CODEMODE_URL) ?? DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new UsageError(`Not a URL: "${rawUrl}" (from ${flags.url ? "--url" : "CODEMODE_URL"}).`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`The server URL must be http(s), got "${rawUrl}".`);
  }
  const token = flags.token ?? nonEmpty(env.CODEMODE_TOKEN);
  if (!token) {
    throw new UsageError(
      "No API token. Set CODEMODE_TOKEN (or pass --token): `npm start` prints one, and .dev.vars lists them in API_TOKENS as name:token.",
    );
  }
  const workspace = flags.workspace ?? nonEmpty(env.CODEMODE_WORKSPACE);
  if (workspace !== undefined) {
    // The server's own rule, checked here so a typo is a usage error, not a server error.
    if (!WORKSPACE_NAME.test(workspace)) {
      throw new UsageError(
        `Invalid workspace name "${workspace}": use 1–63 lowercase letters, digits or "-".`,
      );
    }
    url.searchParams.set("workspace", workspace);
  }
  return { url, token, workspace };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
