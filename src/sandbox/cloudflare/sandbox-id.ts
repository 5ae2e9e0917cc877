/**
 * Workspace ids are 1–64 chars of [a-z0-9-]; the SDK accepts 1–63, no leading or
 * trailing hyphen and no reserved names. Ids it would reject get a stable hashed form.
 */
const SDK_SAFE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const RESERVED = new Set(["www", "api", "admin", "root", "system", "cloudflare", "workers"]);

export function sandboxIdFor(workspaceId: string): string {
  if (SDK_SAFE.test(workspaceId) && !RESERVED.has(workspaceId)) return workspaceId;
  return `ws-${fnv1a64(workspaceId)}`;
}

/** 64-bit FNV-1a as 16 hex chars: stable and synchronous, collisions are negligible here. */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
}
