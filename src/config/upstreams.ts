/**
 * The `UPSTREAM_MCP_SERVERS` setting: which MCP servers code mode can call.
 *
 * The value is a JSON array. Header values are either literal strings or
 * `{"secret": "ENV_NAME"}`, a reference resolved from the Worker env only when the
 * Worker connects, so the parsed config never carries a credential and can be passed
 * around freely.
 *
 * @example
 * [{"name": "github", "url": "https://api.githubcopilot.com/mcp/",
 *   "headers": {"Authorization": {"secret": "GITHUB_MCP_AUTH"}},
 *   "allow": ["get_*", "search_*"], "deny": ["*delete*"]}]
 */
import { z } from "zod";

/**
 * Server names become `codemode.<name>` in JavaScript and in the Python module, so
 * they must be identifiers in both languages: no Python keywords.
 */
// biome-ignore format: a word list reads better packed
const PYTHON_KEYWORDS = new Set([
  "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else",
  "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not",
  "or", "pass", "raise", "return", "try", "while", "with", "yield",
]);

const ServerName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,31}$/, "must match [a-z][a-z0-9_]* (at most 32 characters)")
  .refine((n) => !PYTHON_KEYWORDS.has(n), "must not be a Python keyword");

const SecretRef = z.strictObject({
  secret: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must name a Worker secret or var"),
});
export type SecretRef = z.infer<typeof SecretRef>;

export const HeaderValue = z.union([z.string(), SecretRef]);
export type HeaderValue = z.infer<typeof HeaderValue>;

/** Tool-name patterns: `*` matches any run of characters, `?` one character. */
const Glob = z.string().min(1).max(200);

export const UpstreamServer = z.strictObject({
  name: ServerName,
  url: z.url({ protocol: /^https?$/ }),
  /** `auto` tries Streamable HTTP and falls back to the legacy HTTP+SSE transport. */
  transport: z.enum(["auto", "streamable-http", "sse"]).default("auto"),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, "must be a header name"), HeaderValue).default({}),
  /** When present, only tools matching one of these are exposed. */
  allow: z.array(Glob).optional(),
  /** Tools matching any of these are never exposed or callable (wins over `allow`). */
  deny: z.array(Glob).default([]),
  /** How long a fetched tool list is trusted before it is fetched again. */
  tools_ttl_seconds: z.number().int().positive().max(86_400).default(300),
  /** Per-call limit for one upstream tool call. */
  call_timeout_ms: z.number().int().positive().max(600_000).default(60_000),
});
export type UpstreamServer = z.infer<typeof UpstreamServer>;

const ServerList = z.array(UpstreamServer).superRefine((servers, ctx) => {
  const seen = new Set<string>();
  for (const [i, s] of servers.entries()) {
    if (seen.has(s.name))
      ctx.addIssue({ code: "custom", path: [i, "name"], message: `"${s.name}" appears twice` });
    seen.add(s.name);
  }
});

/**
 * The env setting: a JSON string (from `.dev.vars` or a secret) or an already-parsed
 * array (a JSON/TOML `[vars]` value), validated into server definitions.
 */
export const UpstreamServersSetting = z
  .union([z.string(), z.array(z.unknown())])
  .transform((raw, ctx): unknown => {
    if (typeof raw !== "string") return raw;
    try {
      return JSON.parse(raw);
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a JSON array of upstream server objects" });
      return z.NEVER;
    }
  })
  .pipe(ServerList);
