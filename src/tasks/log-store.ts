/**
 * Task output in the workspace Durable Object's SQLite: the `task_logs` table and the log
 * columns of `tasks` (byte offsets, partial lines, line and byte counts).
 *
 * The durability contract in store.ts covers this file too. `append` stores the new lines,
 * moves the offsets and drops the oldest lines in one synchronous SQL batch, so output is
 * never read twice or skipped, whatever is evicted in between.
 *
 * Layout
 *   task_logs(task_id, n, stream, text, at) PK (task_id, n) — one row per output line.
 * Line numbers `n` count from 0 for the task's whole life and are never reused, so
 * offsets stay valid after old lines are dropped; `tasks.first_line` is the oldest line
 * still stored and `tasks.line_count` the next number to use.
 *
 * Caps
 * - Stored log per task: `logLimitBytes` (TASK_LOG_LIMIT_BYTES, default 1 MB), counting
 *   UTF-8 bytes plus one per line. The oldest lines are dropped first; the counts of
 *   dropped lines and bytes are kept and readers are shown a marker for them.
 * - One line holds at most min(16 KiB, limit/4); longer output is split.
 * - Output joined into one text (`capLines`) keeps whole lines from the head and tail.
 * - Rows are deleted with their task (`TaskTables.prune`).
 */
import type { TaskRow } from "./store.ts";
import type { LogLine, LogStream } from "./types.ts";

interface LogRow extends Record<string, SqlStorageValue> {
  n: number;
  stream: LogStream;
  text: string;
}

const MAX_LINE_BYTES = 16 * 1024;
const encoder = new TextEncoder();

export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

/** Splits `text` into pieces of at most `maxBytes` UTF-8 bytes (never inside a character). */
export function splitLong(text: string, maxBytes: number): string[] {
  if (utf8Length(text) <= maxBytes) return [text];
  const out: string[] = [];
  let current = "";
  let bytes = 0;
  for (const ch of text) {
    const size = utf8Length(ch);
    if (bytes + size > maxBytes && current !== "") {
      out.push(current);
      current = "";
      bytes = 0;
    }
    current += ch;
    bytes += size;
  }
  if (current !== "") out.push(current);
  return out;
}

/** Joins lines, keeping whole lines from the head and tail when over `capBytes`. */
export function capLines(
  lines: string[],
  capBytes: number,
  droppedBytes: number,
): { text: string; truncated: boolean } {
  const sizes = lines.map((l) => utf8Length(l) + 1);
  const total = sizes.reduce((a, b) => a + b, 0);
  const prefix =
    droppedBytes > 0 ? `[... ${droppedBytes} earlier bytes were dropped from the task log ...]\n` : "";
  if (total <= capBytes) return { text: prefix + lines.join("\n"), truncated: droppedBytes > 0 };
  const half = Math.floor(capBytes / 2);
  let headEnd = 0;
  let used = 0;
  while (headEnd < lines.length && used + (sizes[headEnd] ?? 0) <= half) used += sizes[headEnd++] ?? 0;
  let tailStart = lines.length;
  used = 0;
  while (tailStart > headEnd && used + (sizes[tailStart - 1] ?? 0) <= half) used += sizes[--tailStart] ?? 0;
  const omitted = lines.slice(headEnd, tailStart).reduce((a, l) => a + utf8Length(l) + 1, 0);
  const marker = `[... ${omitted} bytes omitted; read the rest with task_logs ...]`;
  return {
    text: prefix + [...lines.slice(0, headEnd), marker, ...lines.slice(tailStart)].join("\n"),
    truncated: true,
  };
}

export class TaskLogs {
  readonly #sql: SqlStorage;
  readonly #logLimitBytes: number;

  constructor(sql: SqlStorage, logLimitBytes: number) {
    this.#sql = sql;
    this.#logLimitBytes = logLimitBytes;
  }

  get lineLimitBytes(): number {
    return Math.min(MAX_LINE_BYTES, Math.floor(this.#logLimitBytes / 4));
  }

  migrate(): void {
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS task_logs (
      task_id TEXT NOT NULL, n INTEGER NOT NULL, stream TEXT NOT NULL,
      text TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (task_id, n)) WITHOUT ROWID`);
  }

  /**
   * Appends output read from the sandbox: complete lines are stored, an unterminated
   * tail is kept as the stream's partial line (flushed when `flush` is set). Offsets move
   * with the lines, so nothing is read twice or skipped.
   */
  append(
    row: TaskRow,
    chunks: { stdout: string; stderr: string; stdoutOffset: number; stderrOffset: number },
    flush: { stdout: boolean; stderr: boolean },
    now: number,
  ): void {
    const partial = { stdout: row.stdout_partial, stderr: row.stderr_partial };
    const lines: Array<{ stream: LogStream; text: string }> = [];
    for (const stream of ["stdout", "stderr"] as const) {
      const text = partial[stream] + chunks[stream];
      const pieces = text.split("\n");
      let rest = pieces.pop() ?? "";
      if (flush[stream] && rest !== "") {
        pieces.push(rest);
        rest = "";
      }
      for (const piece of pieces) {
        for (const part of splitLong(piece.replace(/\r$/, ""), this.lineLimitBytes)) {
          lines.push({ stream, text: part });
        }
      }
      // An endless line without a newline is stored in slices rather than held forever.
      while (utf8Length(rest) > this.lineLimitBytes) {
        const [head, ...tail] = splitLong(rest, this.lineLimitBytes);
        lines.push({ stream, text: head ?? "" });
        rest = tail.join("");
      }
      partial[stream] = rest;
    }

    let n = row.line_count;
    let bytes = row.stored_bytes;
    for (const line of lines) {
      this.#sql.exec(
        "INSERT INTO task_logs (task_id, n, stream, text, at) VALUES (?, ?, ?, ?, ?)",
        row.id,
        n,
        line.stream,
        line.text,
        now,
      );
      n += 1;
      bytes += utf8Length(line.text) + 1;
    }
    this.#sql.exec(
      `UPDATE tasks SET stdout_offset = ?, stderr_offset = ?, stdout_partial = ?, stderr_partial = ?,
         line_count = ?, stored_bytes = ?, last_seen_at = ?, updated_at = ?
       WHERE id = ?`,
      chunks.stdoutOffset,
      chunks.stderrOffset,
      partial.stdout,
      partial.stderr,
      n,
      bytes,
      now,
      lines.length > 0 ? now : row.updated_at,
      row.id,
    );
    if (bytes > this.#logLimitBytes) this.#dropOldest(row.id, bytes - this.#logLimitBytes);
  }

  /** Deletes the oldest lines until at least `excess` bytes are freed. */
  #dropOldest(id: string, excess: number): void {
    let freed = 0;
    let lines = 0;
    let last = -1;
    const rows = this.#sql.exec<{ n: number; b: number }>(
      "SELECT n, length(CAST(text AS BLOB)) + 1 AS b FROM task_logs WHERE task_id = ? ORDER BY n",
      id,
    );
    for (const r of rows) {
      freed += r.b;
      lines += 1;
      last = r.n;
      if (freed >= excess) break;
    }
    if (last < 0) return;
    this.#sql.exec("DELETE FROM task_logs WHERE task_id = ? AND n <= ?", id, last);
    this.#sql.exec(
      `UPDATE tasks SET first_line = ?, stored_bytes = stored_bytes - ?,
         dropped_lines = dropped_lines + ?, dropped_bytes = dropped_bytes + ?
       WHERE id = ?`,
      last + 1,
      freed,
      lines,
      freed,
      id,
    );
  }

  /** Stored lines from `offset` on, at most `limit` lines and about `maxBytes` bytes. */
  lines(
    id: string,
    offset: number,
    limit: number,
    maxBytes: number,
    stream?: LogStream,
  ): { lines: LogLine[]; cut: boolean } {
    const rows = stream
      ? this.#sql.exec<LogRow>(
          "SELECT n, stream, text FROM task_logs WHERE task_id = ? AND n >= ? AND stream = ? ORDER BY n LIMIT ?",
          id,
          offset,
          stream,
          limit,
        )
      : this.#sql.exec<LogRow>(
          "SELECT n, stream, text FROM task_logs WHERE task_id = ? AND n >= ? ORDER BY n LIMIT ?",
          id,
          offset,
          limit,
        );
    const out: LogLine[] = [];
    let bytes = 0;
    for (const r of rows) {
      bytes += utf8Length(r.text) + 1;
      if (bytes > maxBytes && out.length > 0) return { lines: out, cut: true };
      out.push({ n: r.n, stream: r.stream, text: r.text });
    }
    return { lines: out, cut: false };
  }

  /** The last `count` stored lines, oldest first. */
  tail(id: string, count: number): LogLine[] {
    return this.#sql
      .exec<LogRow>(
        "SELECT n, stream, text FROM task_logs WHERE task_id = ? ORDER BY n DESC LIMIT ?",
        id,
        count,
      )
      .toArray()
      .reverse()
      .map((r) => ({ n: r.n, stream: r.stream, text: r.text }));
  }
}
