/**
 * Worker settings for the code-mode tests, given the URL of the real upstream that
 * codemode-global-setup.ts started. `broken` points at a closed port so that an
 * unreachable upstream can be observed next to a working one.
 */
export const UPSTREAM_SECRET_VALUES = {
  EVERYTHING_TOKEN: "Bearer upstream-secret-token-5f0c1e9a",
  EVERYTHING_API_KEY: "upstream-api-key-77d1c0b4e2",
} as const;

export function codemodeTestBindings(everythingUrl: string): Record<string, string> {
  const servers = [
    {
      name: "everything",
      url: everythingUrl,
      headers: {
        Authorization: { secret: "EVERYTHING_TOKEN" },
        "X-Api-Key": { secret: "EVERYTHING_API_KEY" },
      },
      // get-env would print the upstream process's environment; trigger-* need client features.
      deny: ["get-env", "trigger-*", "toggle-*"],
    },
    { name: "broken", url: "http://127.0.0.1:9/mcp" },
  ];
  return { UPSTREAM_MCP_SERVERS: JSON.stringify(servers), ...UPSTREAM_SECRET_VALUES };
}
