import { afterEach, describe, expect, it, vi } from "vitest";
import { useWorker } from "../support/worker-harness";

const harness = useWorker();

/** Every route that reads a body, with the method it takes. */
const bodyRoutes: [string, string][] = [
  ["POST", "/api/memories"],
  ["PATCH", "/api/memories/some-id"],
  ["POST", "/api/memories/search"],
  ["PUT", "/api/state"],
  ["PATCH", "/api/state"],
  ["DELETE", "/api/data"],
  ["POST", "/api/contact"],
  ["POST", "/memory/store"],
  ["POST", "/memory/search"],
  ["POST", "/agent/update"],
  ["POST", "/store"],
  ["POST", "/search"],
];

/** Never a valid body anywhere: not JSON, or not an object. */
const malformed: string[] = [
  "",
  " ",
  "null",
  "true",
  "0",
  "-1e400",
  '"a string"',
  "[]",
  "[1,2,3]",
  "{",
  "}{",
  "\u0000\u0001\u0002",
  "<xml/>",
];

/** Objects with hostile values; the lenient compatibility routes may accept some of them. */
const hostile: string[] = [
  '{"text": {"$gt": ""}}',
  '{"text": null, "query": null, "inner": null}',
  '{"__proto__": {"admin": true}, "constructor": {"prototype": {}}}',
  '{"text": 1e400, "importance": 1e400, "p": 1e400}',
  '{"text": "\\ud800", "query": "\\udfff", "message": "\\u0000", "from_agent": "\\u0000"}',
  `{"a":${"[".repeat(2_000)}${"]".repeat(2_000)}}`,
  JSON.stringify({ text: ["x"], query: { nested: true }, top_k: "5", limit: "5", confirm: true }),
];

describe("no input produces a 500", () => {
  for (const [method, path] of bodyRoutes) {
    it(`${method} ${path} answers malformed bodies with 4xx and hostile ones without a 5xx`, async () => {
      for (const body of [...malformed, ...hostile]) {
        const label = `${method} ${path} ${JSON.stringify(body).slice(0, 60)}`;
        const response = await harness.request(method, path, body, { headers: { "content-type": "application/json" } });
        if (malformed.includes(body)) expect(response.status, label).toBeGreaterThanOrEqual(400);
        expect(response.status, label).toBeLessThan(500);
        expect(response.headers.get("content-type"), label).toContain("application/json");
      }
    });
  }

  it("answers malformed query strings and path parameters with 4xx", async () => {
    for (const path of [
      "/api/memories?limit=",
      "/api/memories?limit=99999999999999999999",
      "/api/memories?cursor=",
      "/api/memories?cursor=eyJ9",
      "/api/memories?context_id=" + "c".repeat(300),
      "/api/memories?agent=%20",
      "/api/sessions/%ZZ",
      "/api/sessions/" + "s".repeat(200),
      "/api/contact?cursor=" + "A".repeat(2000),
      "/recent/%E0%A4%A",
      "/memory/recent?limit=-1",
    ]) {
      const response = await harness.request("GET", path);
      expect(response.status, path).toBeGreaterThanOrEqual(400);
      expect(response.status, path).toBeLessThan(500);
    }
    // Local KV reads an unknown cursor as a start key; Cloudflare's refuses it, which becomes a 400.
    expect((await harness.request("GET", "/api/sessions?cursor=not-a-kv-cursor")).status).toBeLessThan(500);
  });

  it("stores and returns text with NUL, lone surrogates and emoji without failing", async () => {
    const created = await harness.request("POST", "/api/memories", '{"text": "a\\u0000b \\ud800 🙂 c"}');
    expect(created.status).toBe(201);
    const read = await harness.request("GET", `/api/memories/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body.text).toContain("🙂");
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

  it("answers a generic 500 and logs the error's class and route, never the request's content", async () => {
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
    const log = written.join("");
    expect(log).toContain('"event":"unhandled_error"');
    expect(log).toContain('"route":"/api/contact"');
    expect(log).not.toContain(secret);
    expect(log).not.toContain("4512");
  });
});
