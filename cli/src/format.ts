/** Small helpers for human-readable output. Machine output is --json instead. */

/** Aligned `key  value` lines; undefined values are left out. */
export function keyValues(pairs: ReadonlyArray<readonly [string, string | undefined]>): string {
  const shown = pairs.filter((p): p is readonly [string, string] => p[1] !== undefined);
  const width = Math.max(0, ...shown.map(([key]) => key.length));
  return shown.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join("\n");
}

/** Columns padded to their widest cell; the last column is not padded. */
export function table(rows: ReadonlyArray<readonly string[]>): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function formatDuration(ms: number | null): string | undefined {
  if (ms === null) return undefined;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${seconds} s`;
}

/** A text that ends with exactly one newline (empty stays empty). */
export function line(text: string): string {
  return text === "" || text.endsWith("\n") ? text : `${text}\n`;
}

/** The first line of a possibly multi-line text, shortened to `max` characters. */
export function firstLine(text: string, max = 60): string {
  const first = text.split("\n")[0] ?? "";
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}
