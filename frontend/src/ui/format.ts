/** How long ago an ISO time was, in words ("just now", "5 min ago", "yesterday", a date). */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "";
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return "";
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 45) return "just now";
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  if (seconds < 172_800) return "yesterday";
  return new Date(then).toLocaleDateString();
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const time = Date.parse(iso);
  return Number.isNaN(time)
    ? iso
    : new Date(time).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** A value in [0, 1] as the app shows it everywhere. */
export function unit(value: number | null | undefined, digits = 3): string {
  return typeof value === "number" ? value.toFixed(digits) : "—";
}

/** A random id for a new conversation (crypto.randomUUID needs a secure context; this does not). */
export function newSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `chat-${[...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

/** The first line of a message, shortened, as a conversation title. */
export function titleFrom(content: string): string {
  const line = content.trim().split("\n")[0]!.trim();
  return line.length > 60 ? `${line.slice(0, 57)}…` : line || "Untitled";
}
