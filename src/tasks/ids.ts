/**
 * Task ids and list cursors.
 *
 * Ids are 120 random bits (base32), so they cannot be guessed; they are only looked up
 * inside one workspace Durable Object, which is keyed by principal, so another
 * principal's id is simply not found. Cursors are opaque to clients: base64url of
 * `v1:<seq>`, the row sequence number the next (older) page starts below.
 */
import { AppError } from "../errors/app-error.ts";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
const ID_CHARS = 24;
export const TASK_ID = /^t[a-z2-7]{24}$/;

export function newTaskId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(ID_CHARS));
  let out = "t";
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}

export function encodeCursor(seq: number): string {
  return btoa(`v1:${seq}`).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The sequence number a cursor stands for; INVALID_CURSOR for anything else. */
export function decodeCursor(cursor: string): number {
  let text = "";
  try {
    text = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    // falls through to the error below
  }
  const match = /^v1:(\d{1,15})$/.exec(text);
  if (!match?.[1]) {
    throw new AppError("INVALID_CURSOR", "The cursor is not valid.", {
      suggestion:
        "Pass next_cursor exactly as a previous list returned it, or omit it to start from the newest.",
    });
  }
  return Number(match[1]);
}
