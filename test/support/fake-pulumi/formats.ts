/** Output formats of Go's standard library that the real CLI's files and messages are made of. */

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/**
 * A time.Time as encoding/json writes it (RFC 3339 with nanoseconds, trailing zeros dropped) in
 * the local zone, which is what checkpoints and lock files hold.
 */
export function goTime(date: Date = new Date()): string {
  const offsetMinutes = -date.getTimezoneOffset();
  const ms = date.getMilliseconds();
  const fraction = ms === 0 ? "" : `.${pad(ms, 3)}`.replace(/0+$/, "");
  const zone =
    offsetMinutes === 0
      ? "Z"
      : `${offsetMinutes > 0 ? "+" : "-"}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`;
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}${fraction}${zone}`
  );
}

/** time.RFC3339 of a time read back from JSON: Go keeps the zone it was written with. */
export function rfc3339Seconds(goJsonTime: string): string {
  return goJsonTime.replace(/\.\d+(?=(Z|[+-]\d\d:\d\d)$)/, "");
}

/** cmd.FormatTime: RFC 5424 with milliseconds, in UTC (stack history, stack ls). */
export const formatTimeUtc = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString();

/** ui.FprintJSON: two-space indent, trailing newline, HTML characters left as they are. */
export const printJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** Go marshals map keys in sorted order; objects built from maps go through this. */
export function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  const sorted: Record<string, T> = {};
  for (const key of Object.keys(record).sort()) sorted[key] = record[key] as T;
  return sorted;
}

/** resource.URN.Quote on POSIX: single quotes, so `$` in a URN survives a shell. */
export const shellQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

export const unixNow = (): number => Math.floor(Date.now() / 1000);

/** time.Now().UnixNano(), as history and backup file names use. */
export const unixNanoNow = (): string =>
  String(BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n));

/** cmdutil.Table.Render without colors: columns padded to their widest cell, two spaces apart. */
export function table(headers: string[], rows: string[][], prefix = ""): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [headers, ...rows]
    .map(
      (row) => prefix + row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i] ?? 0) + "  " : cell)).join(""),
    )
    .map((line) => `${line}\n`)
    .join("");
}
