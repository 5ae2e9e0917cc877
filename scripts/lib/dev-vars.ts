/** Reads and writes `.dev.vars` (dotenv syntax: KEY=VALUE, # comments, optional quotes). */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export function parseDevVars(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
    if (!m?.[1]) continue;
    let value = m[2] ?? "";
    if (/^".*"$|^'.*'$/.test(value)) value = value.slice(1, -1);
    out[m[1]] = value;
  }
  return out;
}

export const randomToken = (bytes = 24): string => randomBytes(bytes).toString("hex");

const TEMPLATE = (
  token: string,
  hostSecret: string,
) => `# Local settings for \`npm start\` (wrangler dev). Not committed. See .dev.vars.example.
ENVIRONMENT=development
SANDBOX_BACKEND=local
API_TOKENS=dev:${token}
SANDBOX_HOST_SECRET=${hostSecret}
`;

/**
 * Makes sure `.dev.vars` exists with an API token and a sandbox host secret. An existing
 * file is kept as it is; only a missing API_TOKENS or SANDBOX_HOST_SECRET is appended.
 */
export function ensureDevVars(path: string): {
  vars: Record<string, string>;
  created: boolean;
  added: string[];
} {
  if (!existsSync(path)) {
    writeFileSync(path, TEMPLATE(randomToken(), randomToken()), { mode: 0o600 });
    return { vars: parseDevVars(readFileSync(path, "utf8")), created: true, added: [] };
  }
  let text = readFileSync(path, "utf8");
  const vars = parseDevVars(text);
  const added: string[] = [];
  const append = (key: string, value: string) => {
    text += `${text.endsWith("\n") || text === "" ? "" : "\n"}${key}=${value}\n`;
    added.push(key);
  };
  if (!vars.API_TOKENS) append("API_TOKENS", `dev:${randomToken()}`);
  if (!vars.SANDBOX_HOST_SECRET) append("SANDBOX_HOST_SECRET", randomToken());
  if (added.length > 0) writeFileSync(path, text, { mode: 0o600 });
  return { vars: parseDevVars(text), created: false, added };
}
