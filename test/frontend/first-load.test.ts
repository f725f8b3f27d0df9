import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { buildFrontend } from "../../stack/bundle-frontend";

const dir = mkdtempSync(path.join(tmpdir(), "sos-first-load-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the app's first load", () => {
  it("stays under 40 KB gzipped: the page, its script, preloaded chunks and styles, config.json and the icon", () => {
    const out = path.join(dir, "site");
    buildFrontend(out, { workerUrl: "https://sos-dev-worker.example.workers.dev" });
    const html = readFileSync(path.join(out, "index.html"), "utf8");
    // What the page itself asks for at start, and what the app fetches before anything else.
    const loaded = [
      "index.html",
      ...[...html.matchAll(/(?:src|href)="([^"#:]+)"/g)].map((match) => match[1]!),
      "config.json",
    ];
    expect(loaded).toEqual(expect.arrayContaining(["app.js", "app.css", "favicon.svg"]));
    // The highlighter is fetched when a code block appears, not at start.
    expect(loaded.some((file) => file.includes("highlight"))).toBe(false);
    const gzipped = loaded.reduce((sum, file) => sum + gzipSync(readFileSync(path.join(out, file))).length, 0);
    expect(gzipped).toBeLessThan(40 * 1024);
  });
});
