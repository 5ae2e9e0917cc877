/**
 * Which upstream tools are exposed: `allow` (when given) must match, `deny` must not.
 * Patterns are matched against the upstream's own tool name and against its
 * identifier form (`get-sum` and `get_sum`), so either spelling works in config.
 */
import type { UpstreamServer } from "../config/upstreams.ts";
import { toolIdentifier } from "./names.ts";

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split("")
    .map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`);
}

export interface ToolPolicy {
  allows(upstreamName: string): boolean;
}

export function toolPolicy(server: Pick<UpstreamServer, "allow" | "deny">): ToolPolicy {
  const allow = server.allow?.map(globToRegExp);
  const deny = server.deny.map(globToRegExp);
  const matches = (patterns: RegExp[], name: string) => {
    const ident = toolIdentifier(name);
    return patterns.some((p) => p.test(name) || p.test(ident));
  };
  return {
    allows: (name) => (allow === undefined || matches(allow, name)) && !matches(deny, name),
  };
}
