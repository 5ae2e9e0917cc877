/** The host's bearer-secret check (the Worker is its only client). */
import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Returns a checker for `Authorization: Bearer <secret>`. Both sides are hashed first so
 * the comparison takes the same time whatever the length or content of the guess.
 */
export function bearerChecker(secret: string): (header: string | undefined) => boolean {
  const expected = createHash("sha256").update(secret).digest();
  return (header) => {
    const m = header === undefined ? null : /^Bearer (.+)$/.exec(header);
    const given = createHash("sha256")
      .update(m?.[1] ?? "")
      .digest();
    return timingSafeEqual(given, expected) && m !== null;
  };
}
