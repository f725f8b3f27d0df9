/**
 * Every route of the worker, as the robustness tests drive them: the envelope its errors use, whether
 * it needs the key, and for a route with a body a valid one (the fuzzer derives broken ones from it)
 * with the status it answers in the test worker (no model configured: chat answers 503).
 */
export type Family = "api" | "sos" | "mirror";

export interface BodyRoute {
  method: string;
  path: string;
  family: Family;
  /** Public routes take no key. */
  public?: boolean;
  /** Unknown fields refused by name (else ignored, as the system the route copies did). */
  strict: boolean;
  /** A valid body; `word` is a fresh random word, so no two bodies are the same. */
  valid: (word: string) => Record<string, unknown>;
  /** What the valid body is answered with. */
  ok: number;
  /** Largest body taken. */
  maxBytes: number;
}

const kib = 1024;
const uv = (value: number) => ({
  inner: { p: value, e: value, mu: value, v: value, n: value, delta: value, r: value, phi: value },
  outer: { pt: value, et: value, mut: value, vt: value, nt: value, deltat: value, rt: value, phit: value },
});

export const bodyRoutes: BodyRoute[] = [
  {
    method: "POST",
    path: "/api/chat",
    family: "api",
    strict: true,
    ok: 503,
    maxBytes: 256 * kib,
    valid: (word) => ({
      message: `hello ${word}`,
      session_id: `s-${word.replace(/[^A-Za-z0-9]/g, "")}x`,
      model: "m",
      stream: false,
    }),
  },
  {
    method: "POST",
    path: "/api/memories",
    family: "api",
    strict: true,
    ok: 201,
    maxBytes: 256 * kib,
    valid: (word) => ({
      text: `memory of ${word}`,
      context_id: `ctx-${word}`,
      epistemic_truths: [`truth ${word}`],
      core_concepts: [`concept ${word}`],
      affective_vibe: `vibe ${word}`,
      importance: 0.5,
    }),
  },
  {
    method: "PATCH",
    path: "/api/memories/no-such-memory",
    family: "api",
    strict: true,
    ok: 404,
    maxBytes: 256 * kib,
    valid: (word) => ({ text: `changed ${word}`, context_id: null, affective_vibe: `calm ${word}` }),
  },
  {
    method: "PATCH",
    path: "/api/conversations/no-such-conversation",
    family: "api",
    strict: true,
    ok: 404,
    maxBytes: 256 * kib,
    valid: (word) => ({ title: `renamed ${word}`, pinned: true, remember: false }),
  },
  {
    method: "POST",
    path: "/api/memories/search",
    family: "api",
    strict: true,
    ok: 200,
    maxBytes: 256 * kib,
    valid: (word) => ({ query: `what about ${word}`, limit: 5, agent: `agent ${word}`, context_id: `ctx-${word}` }),
  },
  {
    method: "PUT",
    path: "/api/state",
    family: "api",
    strict: true,
    ok: 200,
    maxBytes: 256 * kib,
    valid: () => uv(0.4),
  },
  {
    method: "PATCH",
    path: "/api/state",
    family: "api",
    strict: true,
    ok: 200,
    maxBytes: 256 * kib,
    valid: () => ({ inner: { mu: 0.7 }, outer: { rt: 0.2 } }),
  },
  {
    method: "POST",
    path: "/api/import",
    family: "api",
    strict: true,
    ok: 200,
    maxBytes: 4 * kib * kib,
    valid: () => ({ format: "sos-export/1" }),
  },
  {
    method: "POST",
    path: "/api/contact",
    family: "api",
    public: true,
    strict: true,
    ok: 201,
    maxBytes: 16 * kib,
    valid: (word) => ({
      from_agent: `agent ${word}`,
      from_name: `name ${word}`,
      reply_to: "https://peer.example/inbox",
      subject: `subject ${word}`,
      message: `message ${word}`,
    }),
  },
  {
    method: "POST",
    path: "/memory/store",
    family: "sos",
    strict: false,
    ok: 200,
    maxBytes: 256 * kib,
    valid: (word) => ({
      text: `stored ${word}`,
      context_id: `ctx-${word}`,
      tags: [`tag ${word}`],
      concepts: [`c ${word}`],
      vibe: `vibe ${word}`,
      importance: 0.6,
    }),
  },
  {
    method: "POST",
    path: "/memory/search",
    family: "sos",
    strict: false,
    ok: 200,
    maxBytes: 256 * kib,
    valid: (word) => ({ query: `find ${word}`, limit: 3 }),
  },
  {
    method: "POST",
    path: "/agent/update",
    family: "sos",
    strict: false,
    ok: 200,
    maxBytes: 256 * kib,
    valid: () => ({ p: 0.3, mut: 0.6 }),
  },
  {
    method: "POST",
    path: "/chat",
    family: "sos",
    strict: true,
    ok: 503,
    maxBytes: 256 * kib,
    valid: (word) => ({ message: `hi ${word}`, model: "m" }),
  },
  {
    method: "POST",
    path: "/store",
    family: "mirror",
    strict: false,
    ok: 200,
    maxBytes: 256 * kib,
    valid: (word) => ({
      agent: `mirror ${word}`,
      context_id: `ctx-${word}`,
      text: `mirror text ${word}`,
      epistemic_truths: [`t ${word}`],
      core_concepts: [`c ${word}`],
      affective_vibe: `v ${word}`,
    }),
  },
  {
    method: "POST",
    path: "/search",
    family: "mirror",
    strict: false,
    ok: 200,
    maxBytes: 256 * kib,
    valid: (word) => ({ query: `search ${word}`, top_k: 3, threshold: 0.1, agent_filter: `mirror ${word}` }),
  },
];

/** Erasing is a body route too, driven once (it writes over the whole database). */
export const eraseRoute: BodyRoute = {
  method: "DELETE",
  path: "/api/data",
  family: "api",
  strict: true,
  ok: 200,
  maxBytes: kib,
  valid: () => ({ confirm: "erase everything" }),
};

export interface PlainRoute {
  method: string;
  path: string;
  family: Family;
  public?: boolean;
  ok: number;
  /** Query parameters that must be whole numbers in a range. */
  numbers?: string[];
  /** Query parameters holding free text. */
  texts?: string[];
  /** Query parameter holding a cursor this API issued. */
  cursor?: boolean;
}

export const plainRoutes: PlainRoute[] = [
  { method: "GET", path: "/api/health", family: "api", public: true, ok: 200 },
  { method: "GET", path: "/api/providers", family: "api", ok: 200 },
  {
    method: "GET",
    path: "/api/memories",
    family: "api",
    ok: 200,
    numbers: ["limit"],
    texts: ["context_id", "agent"],
    cursor: true,
  },
  { method: "GET", path: "/api/memories/no-such-memory", family: "api", ok: 404 },
  { method: "DELETE", path: "/api/memories/no-such-memory", family: "api", ok: 404 },
  { method: "GET", path: "/api/state", family: "api", ok: 200 },
  { method: "GET", path: "/api/sessions", family: "api", ok: 200, numbers: ["limit"] },
  { method: "GET", path: "/api/sessions/no-such-session", family: "api", ok: 404 },
  { method: "DELETE", path: "/api/sessions/no-such-session", family: "api", ok: 404 },
  { method: "GET", path: "/api/export", family: "api", ok: 200 },
  { method: "GET", path: "/api/conversations", family: "api", ok: 200, numbers: ["limit"], texts: ["q"], cursor: true },
  { method: "GET", path: "/api/conversations/no-such-conversation", family: "api", ok: 404 },
  { method: "DELETE", path: "/api/conversations/no-such-conversation", family: "api", ok: 404 },
  { method: "GET", path: "/api/contact", family: "api", ok: 200, numbers: ["limit"], cursor: true },
  { method: "GET", path: "/api/contact/no-such-message", family: "api", ok: 404 },
  { method: "DELETE", path: "/api/contact/no-such-message", family: "api", ok: 404 },
  { method: "GET", path: "/health", family: "sos", ok: 200 },
  { method: "GET", path: "/memory/recent", family: "sos", ok: 200, numbers: ["limit"] },
  { method: "GET", path: "/agent/state", family: "sos", ok: 200 },
  { method: "GET", path: "/recent/some-agent", family: "mirror", ok: 200, numbers: ["limit"] },
  { method: "GET", path: "/stats", family: "mirror", ok: 200 },
];

/** Every string in a value, by dotted path (`epistemic_truths.0`). */
export function stringPaths(value: unknown, prefix: string[] = []): string[] {
  if (typeof value === "string") return [prefix.join(".")];
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, item]) => stringPaths(item, [...prefix, key]));
}

/** Every field of a value (objects and arrays walked), by dotted path, with its value. */
export function fieldPaths(value: unknown, prefix: string[] = []): [string, unknown][] {
  if (value === null || typeof value !== "object") return prefix.length ? [[prefix.join("."), value]] : [];
  const own: [string, unknown][] = prefix.length ? [[prefix.join("."), value]] : [];
  return [...own, ...Object.entries(value).flatMap(([key, item]) => fieldPaths(item, [...prefix, key]))];
}

/** A copy of `value` with the field at `path` replaced. */
export function withField(value: Record<string, unknown>, path: string, replacement: unknown): Record<string, unknown> {
  const copy = structuredClone(value);
  const keys = path.split(".");
  let target: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  target[keys.at(-1)!] = replacement;
  return copy;
}
