import { afterEach, describe, expect, it, vi } from "vitest";
import { deployedBase, testAgentKey, useWorker, type HarnessResponse } from "../../support/worker-harness";
import {
  bodyRoutes,
  eraseRoute,
  fieldPaths,
  plainRoutes,
  stringPaths,
  withField,
  type BodyRoute,
  type Family,
} from "./route-catalogue";

/**
 * A fuzz of every route (seeded, so a failure replays): each generated request has one known fault,
 * or none, and the answer must be exactly the status that fault calls for, in the route family's
 * error envelope naming the field at fault. About 700 requests, a few seconds.
 */
const harness = useWorker({ CONTACT_CALLER_LIMIT: "10000", CONTACT_HOURLY_CAP: "1000000" });

/** mulberry32: small, seeded, good enough to pick cases. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const alphabet = [..."abcdefghijklmnopqrstuvwxyzÄÖÜßéñ日本語Ωπ🙂🦊 \t\u0000\u200b\u202e\"'\\<>&{}[]:,"];
  const word = (length = 3 + Math.floor(next() * 12)) => Array.from({ length }, () => pick(alphabet)).join("");
  return { next, pick, word };
}
const seed = 20_260_704;
const rng = random(seed);

/** A word for a valid body: at least one visible letter, never blank. */
const validWord = () => `w${rng.word()}`;

type Fault = { status: number; field?: string; code?: string };

let counter = 0;
async function send(
  route: { method: string; path: string; public?: boolean },
  body: string | Uint8Array | undefined,
  options: { contentType?: string | null; auth?: string | null; path?: string } = {},
): Promise<HarnessResponse> {
  const headers: Record<string, string> = { "cf-connecting-ip": `10.0.${(counter >> 8) & 255}.${counter++ & 255}` };
  const auth = options.auth === undefined ? testAgentKey : options.auth;
  if (auth !== null) headers.authorization = `Bearer ${auth}`;
  const contentType = options.contentType === undefined ? "application/json" : options.contentType;
  if (contentType !== null && body !== undefined) headers["content-type"] = contentType;
  const response = await harness.worker.miniflare.dispatchFetch(
    new URL(options.path ?? route.path, deployedBase).href,
    {
      method: route.method,
      headers,
      ...(body !== undefined && { body }),
    },
  );
  const text = await response.text();
  const isJson = (response.headers.get("content-type") ?? "").includes("application/json");
  return {
    status: response.status,
    headers: response.headers as unknown as Headers,
    text,
    body: isJson ? JSON.parse(text) : text,
  };
}

/** The answer must be exactly `expected`, in the family's envelope, naming the field when there is one. */
function expectAnswer(response: HarnessResponse, family: Family, expected: Fault, label: string): void {
  expect(response.status, `${label}: ${response.text.slice(0, 300)}`).toBe(expected.status);
  expect(response.headers.get("content-type"), label).toContain("application/json");
  expect(response.headers.get("x-content-type-options"), label).toBe("nosniff");
  expect(response.headers.get("cache-control"), label).toBe("no-store");
  expect(response.headers.get("x-request-id"), label).toBeTruthy();
  if (expected.status < 400) return;
  const body = response.body as Record<string, any>;
  const withField = expected.field === undefined ? [] : ["field"];
  let code: string;
  let message: string;
  let field: string | undefined;
  switch (family) {
    case "api":
      expect(Object.keys(body), label).toEqual(["error"]);
      expect(Object.keys(body.error).sort(), label).toEqual(["code", "message", ...withField].sort());
      ({ code, message, field } = body.error);
      break;
    case "sos":
      expect(Object.keys(body).sort(), label).toEqual(["code", "error", "success", ...withField].sort());
      expect(body.success, label).toBe(false);
      ({ code, error: message, field } = body as { code: string; error: string; field?: string });
      break;
    case "mirror":
      expect(Object.keys(body).sort(), label).toEqual(["code", "detail", ...withField].sort());
      ({ code, detail: message, field } = body as { code: string; detail: string; field?: string });
      break;
  }
  expect(code, label).toMatch(/^[a-z][a-z_]*$/);
  if (expected.code) expect(code, label).toBe(expected.code);
  expect(typeof message, label).toBe("string");
  if (expected.field !== undefined) {
    expect(field, label).toBe(expected.field);
    // A request's own fault reads "<field>: <what is wrong>"; a 401 says how to authenticate instead.
    if (expected.status !== 401) expect(message.startsWith(`${expected.field}: `), `${label}: ${message}`).toBe(true);
  }
}

/** Text that is not JSON at all. */
function notJson(): string {
  for (;;) {
    const text = rng.pick(["{", "[", "}{", "<x/>", "'a'", "{a:1}", "[1,]", "nul", "tru", "0x10", ""]) + rng.word();
    try {
      JSON.parse(text);
    } catch {
      if (text.trim() !== "") return text;
    }
  }
}

/** JSON that is not an object. */
const nonObjects = ["null", "true", "0", "-1e400", '"text"', "[]", "[1,2,3]", '[{"text":"a"}]'];

/** A value of another type than `value`'s. */
function wrongType(value: unknown): unknown {
  if (typeof value === "string") return rng.pick([12345, true, { x: 1 }, ["a"]]);
  if (typeof value === "number") return rng.pick(["0.5", true, { x: 1 }, [1]]);
  if (typeof value === "boolean") return rng.pick(["true", 1, {}]);
  if (Array.isArray(value)) return rng.pick(["a", 7, { 0: "a" }]);
  return rng.pick(["object", 3, [1, 2]]);
}

/** Cases for one body route: each with its body, how it is sent, and the answer it calls for. */
function bodyCases(route: BodyRoute) {
  const cases: {
    label: string;
    body: string | Uint8Array;
    contentType?: string | null;
    auth?: string | null;
    expected: Fault;
  }[] = [];
  const valid = () => route.valid(validWord());
  for (let i = 0; i < 3; i++)
    cases.push({ label: "valid", body: JSON.stringify(valid()), expected: { status: route.ok } });
  for (let i = 0; i < 4; i++) {
    cases.push({ label: "not JSON", body: notJson(), expected: { status: 400, field: "body", code: "invalid_json" } });
  }
  cases.push({ label: "empty", body: "", expected: { status: 400, field: "body", code: "invalid_json" } });
  for (const text of nonObjects)
    cases.push({ label: `JSON ${text}`, body: text, expected: { status: 400, field: "body" } });
  cases.push({
    label: "bytes that are not UTF-8",
    body: new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    expected: { status: 400, field: "body", code: "invalid_json" },
  });
  for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=b", null]) {
    cases.push({
      label: `content-type ${type}`,
      body: JSON.stringify(valid()),
      contentType: type,
      expected: { status: 415, field: "content-type", code: "unsupported_media_type" },
    });
  }
  const sample = valid();
  for (const path of stringPaths(sample)) {
    const broken = withField(sample, path, `${rng.word()}${rng.pick(["\ud800", "\udfff", "\udbff"])}${rng.word()}`);
    cases.push({
      label: `lone surrogate in ${path}`,
      body: JSON.stringify(broken),
      expected: { status: 400, field: path },
    });
  }
  for (const [path, value] of fieldPaths(sample)) {
    if (value === null) continue;
    const broken = withField(sample, path, wrongType(value));
    cases.push({
      label: `wrong type at ${path}`,
      body: JSON.stringify(broken),
      expected: { status: 400, field: path },
    });
  }
  const unknown = `unknown_${Math.floor(rng.next() * 1e6)}`;
  cases.push({
    label: "an unknown field",
    body: JSON.stringify({ ...valid(), [unknown]: rng.word() }),
    expected: route.strict ? { status: 400, field: unknown } : { status: route.ok },
  });
  cases.push({
    label: "a key that is not well-formed Unicode",
    body: JSON.stringify({ ...valid(), "k\udc00": 1 }),
    expected: { status: 400, field: "body" },
  });
  cases.push({
    label: "a body over the limit",
    body: JSON.stringify({ ...valid(), padding: "x".repeat(route.maxBytes) }),
    expected: { status: 413, field: "body", code: "payload_too_large" },
  });
  if (!route.public) {
    cases.push({
      label: "no key",
      body: JSON.stringify(valid()),
      auth: null,
      expected: { status: 401, field: "authorization" },
    });
    cases.push({
      label: "a wrong key",
      body: JSON.stringify(valid()),
      auth: `${testAgentKey}x`,
      expected: { status: 401, field: "authorization" },
    });
  }
  return cases;
}

describe("a fuzz of every route with a body", () => {
  for (const route of bodyRoutes) {
    it(`${route.method} ${route.path} (seed ${seed})`, async () => {
      for (const testCase of bodyCases(route)) {
        const response = await send(route, testCase.body, { contentType: testCase.contentType, auth: testCase.auth });
        expectAnswer(response, route.family, testCase.expected, `${route.method} ${route.path}, ${testCase.label}`);
      }
    });
  }

  it(`${eraseRoute.method} ${eraseRoute.path}: every fault refused, then the erase itself`, async () => {
    for (const testCase of bodyCases(eraseRoute).filter((c) => c.label !== "valid")) {
      const response = await send(eraseRoute, testCase.body, {
        contentType: testCase.contentType,
        auth: testCase.auth,
      });
      expectAnswer(response, "api", testCase.expected, `DELETE /api/data, ${testCase.label}`);
    }
    const wrong = await send(eraseRoute, JSON.stringify({ confirm: "erase everything!" }));
    expectAnswer(wrong, "api", { status: 400, field: "confirm" }, "DELETE /api/data, wrong confirmation");
    const erased = await send(eraseRoute, JSON.stringify(eraseRoute.valid("")));
    expectAnswer(erased, "api", { status: 200 }, "DELETE /api/data");
  });
});

describe("a fuzz of every route's path and query", () => {
  for (const route of plainRoutes) {
    it(`${route.method} ${route.path} (seed ${seed})`, async () => {
      const cases: { label: string; path: string; auth?: string | null; expected: Fault }[] = [
        { label: "as is", path: route.path, expected: { status: route.ok } },
      ];
      if (!route.public)
        cases.push({
          label: "no key",
          path: route.path,
          auth: null,
          expected: { status: 401, field: "authorization" },
        });
      for (const name of route.numbers ?? []) {
        for (const value of ["", "-1", "0", "1.5", "1e3", "99999999999999999999", "%20", rng.word()]) {
          cases.push({
            label: `${name}=${value}`,
            path: `${route.path}?${name}=${encodeURIComponent(value)}`,
            expected: { status: 400, field: name },
          });
        }
        cases.push({
          label: `${name} twice`,
          path: `${route.path}?${name}=1&${name}=2`,
          expected: { status: 400, field: name },
        });
      }
      for (const name of route.texts ?? []) {
        for (const raw of ["%ED%A0%80", "%E0%A4%A", "%FF", "%C3%28"]) {
          cases.push({
            label: `${name}=${raw}`,
            path: `${route.path}?${name}=${raw}`,
            expected: { status: 400, field: name },
          });
        }
      }
      if (route.cursor) {
        for (const value of ["%%%", "eyJ9", "A".repeat(300), btoa('["a"]')]) {
          cases.push({
            label: `cursor=${value.slice(0, 12)}`,
            path: `${route.path}?cursor=${value}`,
            expected: { status: 400, field: "cursor" },
          });
        }
      }
      // An id that is not well-formed: bad percent-encoding, or a lone surrogate encoded as UTF-8.
      if (/\/no-such-|\/some-agent/.test(route.path)) {
        const parent = route.path.replace(/\/[^/]+$/, "");
        const name = route.path.startsWith("/recent/") ? "agent" : "id";
        for (const raw of ["%ZZ", "%ED%A0%80", "%E0%A4%A"]) {
          cases.push({ label: `${name} ${raw}`, path: `${parent}/${raw}`, expected: { status: 400, field: name } });
        }
      }
      for (const testCase of cases) {
        const response = await send(route, undefined, { path: testCase.path, auth: testCase.auth });
        expectAnswer(response, route.family, testCase.expected, `${route.method} ${testCase.path}, ${testCase.label}`);
      }
    });
  }

  it("answers paths no route serves with 401 without a key and 404 with one", async () => {
    for (let i = 0; i < 20; i++) {
      const path = `/${encodeURIComponent(rng.word())}/${encodeURIComponent(rng.word())}`;
      const method = rng.pick(["GET", "POST", "PUT", "DELETE", "PATCH"]);
      expectAnswer(
        await send({ method, path }, undefined, { auth: null }),
        "api",
        { status: 401, field: "authorization" },
        `${method} ${path}`,
      );
      const family: Family = /^\/(health|chat|memory|agent)(\/|$)/.test(path)
        ? "sos"
        : /^\/(store|search|stats|recent)(\/|$)/.test(path)
          ? "mirror"
          : "api";
      expectAnswer(
        await send({ method, path }, undefined),
        family,
        { status: 404, code: "not_found" },
        `${method} ${path} with the key`,
      );
    }
  });
});

describe("an unexpected failure", () => {
  const secret = "my bank PIN is 4512";
  const written: string[] = [];
  const restore: (() => void)[] = [];

  function capture(stream: NodeJS.WriteStream) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      written.push(String(chunk));
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => {
      stream.write = original;
    });
  }

  afterEach(() => {
    restore.splice(0).forEach((undo) => undo());
    vi.restoreAllMocks();
  });

  it("answers a generic 500 and logs one line: event, status, error class, route, request id; never content", async () => {
    await (await harness.d1()).prepare("DROP TABLE contacts").run();
    // workerd's output reaches vitest either through the process streams or through console.
    capture(process.stdout);
    capture(process.stderr);
    for (const method of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, method).mockImplementation(
        (...args: unknown[]) => void written.push(args.map(String).join(" ")),
      );
    }

    const response = await harness.request(
      "POST",
      "/api/contact",
      { from_agent: "peer", message: secret },
      { auth: false },
    );
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(response.status).toBe(500);
    expect(response.body).toEqual({
      error: { code: "internal_error", message: "The request failed inside the worker." },
    });
    const requestId = response.headers.get("x-request-id");
    const lines = written
      .join("")
      .split("\n")
      .filter((line) => line.includes('"event":"request_failed"'));
    expect(lines).toHaveLength(1);
    const logged = JSON.parse(lines[0]!.slice(lines[0]!.indexOf("{")));
    expect(logged).toEqual({
      level: "error",
      event: "request_failed",
      status: 500,
      error: "Error",
      route: "/api/contact",
      method: "POST",
      request_id: requestId,
    });
    expect(written.join("")).not.toContain(secret);
    expect(written.join("")).not.toContain("4512");
    expect(written.join("")).not.toContain(testAgentKey);
  });
});
