/** One server-sent event as a test reads it: its name and its JSON data. */
export interface SseEvent {
  event: string;
  data: any;
}

/** The events of a whole SSE body, in order; comment lines (`: keep-alive`) are not events. */
export function parseSse(text: string): SseEvent[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "" && !block.startsWith(":"))
    .map((block) => ({
      event: /^event: (.*)$/m.exec(block)?.[1] ?? "message",
      data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "null"),
    }));
}
