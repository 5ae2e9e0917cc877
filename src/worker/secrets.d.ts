// Secrets and optional settings are not in wrangler.toml, so `wrangler types` cannot see
// them. Declared here; every value is validated by src/config/config.ts at runtime.
interface Env {
  API_TOKENS?: string;
  SANDBOX_HOST_SECRET?: string;
  SANDBOX_HOST_URL?: string;
  ALLOWED_ORIGINS?: string;
  ALLOW_LOCALHOST_ORIGINS?: string;
  UPSTREAM_MCP_SERVERS?: string;
}
