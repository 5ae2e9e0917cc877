/**
 * Server configuration: every setting comes from Worker vars/secrets (`.dev.vars`
 * locally) and is parsed once here. A bad value fails with a message naming the setting.
 */
import { z } from "zod";
import { AppError } from "../errors/app-error.ts";
import { UpstreamServersSetting } from "./upstreams.ts";

const PRINCIPAL = /^[A-Za-z0-9_.-]{1,64}$/;
const MIN_TOKEN_LENGTH = 16;

export interface ApiToken {
  principal: string;
  token: string;
}

const apiTokens = z.string().transform((raw, ctx): ApiToken[] => {
  const out: ApiToken[] = [];
  for (const [i, pair] of raw.split(",").entries()) {
    const entry = pair.trim();
    if (entry === "") continue;
    const sep = entry.indexOf(":");
    const principal = sep > 0 ? entry.slice(0, sep) : "";
    const token = sep > 0 ? entry.slice(sep + 1) : "";
    // Never echo the token itself in an error message.
    if (!PRINCIPAL.test(principal)) {
      ctx.addIssue({
        code: "custom",
        message: `entry ${i + 1} must be name:token with a name of [A-Za-z0-9_.-]`,
      });
    } else if (token.length < MIN_TOKEN_LENGTH) {
      ctx.addIssue({
        code: "custom",
        message: `the token of "${principal}" is shorter than ${MIN_TOKEN_LENGTH} characters`,
      });
    } else if (out.some((t) => t.principal === principal)) {
      ctx.addIssue({ code: "custom", message: `principal "${principal}" appears twice` });
    } else {
      out.push({ principal, token });
    }
  }
  if (out.length === 0) ctx.addIssue({ code: "custom", message: "at least one name:token pair is required" });
  return out;
});

const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
const list = z.string().transform((s) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== ""),
);
const seconds = (def: number) => z.coerce.number().int().positive().default(def);

export const ConfigSchema = z
  .object({
    API_TOKENS: apiTokens,
    ENVIRONMENT: z.enum(["development", "production"]).default("production"),
    ALLOWED_ORIGINS: list.default([]),
    ALLOWED_HOSTS: list.default([]),
    ALLOW_LOCALHOST_ORIGINS: bool.optional(),
    SANDBOX_BACKEND: z.enum(["local", "cloudflare"]).default("cloudflare"),
    SANDBOX_HOST_URL: z.url().default("http://127.0.0.1:8788"),
    SANDBOX_HOST_SECRET: z.string().optional(),
    SANDBOX_ENABLE_INTERNET: bool.default(false),
    // Cloudflare backend: idle time before a container sleeps (its /workspace is saved first).
    SANDBOX_SLEEP_AFTER_SECONDS: z.coerce.number().int().min(10).max(604_800).default(600),
    // Cloudflare backend: containers kept started for new workspaces (0 = no warm pool).
    SANDBOX_WARM_POOL_SIZE: z.coerce.number().int().min(0).max(100).default(0),
    // Workspace saves to R2 (WORKSPACE_BACKUPS binding): largest workspace saved, extra
    // exclude patterns (comma-separated, besides .outputs and /workspace/.workspaceignore).
    WORKSPACE_BACKUP_MAX_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(2 * 1024 ** 3),
    WORKSPACE_BACKUP_EXCLUDES: list.default([]),
    DEFAULT_TIMEOUT_SECONDS: seconds(30),
    MAX_TIMEOUT_SECONDS: seconds(300),
    OUTPUT_LIMIT_BYTES: z.coerce.number().int().min(1024).default(65_536),
    // Spill files (full output of capped runs, /workspace/.outputs): pruned by age and total size.
    OUTPUT_RETENTION_SECONDS: seconds(86_400),
    OUTPUT_MAX_BYTES: z.coerce.number().int().min(0).default(104_857_600),
    MAX_REQUEST_BYTES: z.coerce.number().int().min(1024).max(4_194_304).default(4_194_304),
    SESSION_IDLE_TTL_SECONDS: seconds(86_400),
    WORKSPACE_IDLE_TTL_SECONDS: seconds(86_400),
    TASK_DEFAULT_TIMEOUT_SECONDS: seconds(3_600),
    TASK_MAX_TIMEOUT_SECONDS: seconds(86_400),
    TASK_RETENTION_SECONDS: seconds(7 * 86_400),
    TASK_LOG_LIMIT_BYTES: z.coerce.number().int().min(4096).default(1_048_576),
    // Code mode: JSON array of upstream MCP servers; format in src/config/upstreams.ts.
    UPSTREAM_MCP_SERVERS: UpstreamServersSetting.default([]),
    // The Worker's base URL as the local sandbox host reaches it (Python code-mode callbacks).
    CODEMODE_CALLBACK_URL: z.url({ protocol: /^https?$/ }).optional(),
    // OAuth: how long an authorization code may wait for its exchange, and access-token life.
    OAUTH_CODE_TTL_SECONDS: z.coerce.number().int().min(1).max(600).default(60),
    OAUTH_ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).default(3_600),
  })
  .superRefine((c, ctx) => {
    if (c.DEFAULT_TIMEOUT_SECONDS > c.MAX_TIMEOUT_SECONDS) {
      ctx.addIssue({
        code: "custom",
        path: ["DEFAULT_TIMEOUT_SECONDS"],
        message: "must not exceed MAX_TIMEOUT_SECONDS",
      });
    }
    if (c.TASK_DEFAULT_TIMEOUT_SECONDS > c.TASK_MAX_TIMEOUT_SECONDS) {
      ctx.addIssue({
        code: "custom",
        path: ["TASK_DEFAULT_TIMEOUT_SECONDS"],
        message: "must not exceed TASK_MAX_TIMEOUT_SECONDS",
      });
    }
    if (c.SANDBOX_BACKEND === "local" && !c.SANDBOX_HOST_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["SANDBOX_HOST_SECRET"],
        message: "is required when SANDBOX_BACKEND=local",
      });
    }
  })
  .transform((c) => ({
    ...c,
    // Localhost-class origins are fine while developing; production must list them.
    ALLOW_LOCALHOST_ORIGINS: c.ALLOW_LOCALHOST_ORIGINS ?? c.ENVIRONMENT === "development",
  }));

export type Config = z.infer<typeof ConfigSchema>;

/** Parses raw environment values; throws a CONFIG_INVALID error naming every bad setting. */
export function parseConfig(raw: Record<string, unknown>): Config {
  // Empty strings mean "unset" so that `.dev.vars` lines like `FOO=` fall back to defaults.
  const cleaned = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== "" && v !== undefined));
  const result = ConfigSchema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join(".") || "config"}: ${i.message}`);
  throw new AppError("CONFIG_INVALID", `Invalid configuration — ${problems.join("; ")}`, {
    suggestion:
      "Fix the named settings in .dev.vars (local) or with `wrangler secret put` / [vars] (deployed).",
  });
}

const cache = new WeakMap<object, Config>();

/** Parses once per env object (Workers reuse the same env across requests). */
export function configFrom(env: object): Config {
  let config = cache.get(env);
  if (!config) {
    config = parseConfig(env as Record<string, unknown>);
    cache.set(env, config);
  }
  return config;
}
