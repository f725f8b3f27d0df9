import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildFrontend, contentSecurityPolicy } from "../../stack/bundle-frontend";
import { projectRoot } from "../../stack/paths";

const temporary: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/** Every file of a build folder (sub-folders included), "/"-separated path → bytes. */
function read(dir: string): Record<string, Buffer> {
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
      .sort()
      .map((name) => [name, readFileSync(path.join(dir, name))]),
  );
}

/** A copy of the sources the build reads (node_modules linked), elsewhere on disk. */
function projectCopy(): string {
  const root = tempDir("sos-frontend-copy-");
  for (const entry of ["frontend", "worker", "package.json"])
    cpSync(path.join(projectRoot, entry), path.join(root, entry), { recursive: true });
  symlinkSync(path.join(projectRoot, "node_modules"), path.join(root, "node_modules"), "dir");
  return root;
}

const workerUrl = "https://sos-dev-worker.example.workers.dev";

describe("buildFrontend", () => {
  it("writes the app, its config and nothing else, and lists the files", () => {
    const out = path.join(tempDir("sos-frontend-"), "site");
    const files = buildFrontend(out, { workerUrl });
    const chunks = files.filter((name) => name.startsWith("chunks/"));
    expect(files.filter((name) => !chunks.includes(name))).toEqual([
      "_headers",
      "app.css",
      "app.js",
      "config.json",
      "favicon.svg",
      "index.html",
    ]);
    expect(chunks.every((name) => /^chunks\/[\w-]+-[A-Z0-9]{8}\.js$/.test(name))).toBe(true);
    expect(Object.keys(read(out))).toEqual(files);
    expect(JSON.parse(readFileSync(path.join(out, "config.json"), "utf8"))).toEqual({ workerUrl });
  });

  it("gives the same bytes for the same sources and config, wherever the project lies", () => {
    const once = path.join(tempDir("a-"), "out");
    buildFrontend(once, { workerUrl });
    const first = read(once);
    const again = path.join(tempDir("b-"), "out");
    buildFrontend(again, { workerUrl });
    const elsewhere = path.join(tempDir("c-"), "out");
    buildFrontend(elsewhere, { workerUrl }, projectCopy());
    expect(read(again)).toEqual(first);
    expect(read(elsewhere)).toEqual(first);
    for (const [name, bytes] of Object.entries(first)) {
      const text = bytes.toString("utf8");
      expect(text, name).not.toContain(projectRoot);
      expect(text, name).not.toMatch(/sourceMappingURL|\/tmp\/|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    }
  });

  it("changes only config.json and the CSP (page and headers) when only the worker URL changes", () => {
    const a = path.join(tempDir("url-a-"), "out");
    const b = path.join(tempDir("url-b-"), "out");
    buildFrontend(a, { workerUrl });
    buildFrontend(b, { workerUrl: "https://other-worker.example.workers.dev" });
    const [before, after] = [read(a), read(b)];
    const changed = Object.keys(before).filter((name) => !before[name]!.equals(after[name]!));
    expect(changed).toEqual(["_headers", "config.json", "index.html"]);
  });

  it("replaces what the folder held, so a removed file is not deployed again", () => {
    const out = path.join(tempDir("stale-"), "out");
    buildFrontend(out, { workerUrl });
    writeFileSync(path.join(out, "old-chunk.js"), "stale");
    buildFrontend(out, { workerUrl });
    expect(readdirSync(out)).not.toContain("old-chunk.js");
  });

  it("puts the highlighter in a chunk of its own that the page loads only through import()", () => {
    const out = path.join(tempDir("chunks-"), "out");
    const files = buildFrontend(out, { workerUrl });
    const highlighter = files.filter((name) => /^chunks\/highlight-/.test(name));
    expect(highlighter).toHaveLength(1);
    const app = readFileSync(path.join(out, "app.js"), "utf8");
    const html = readFileSync(path.join(out, "index.html"), "utf8");
    expect(app).toContain(`import("./${highlighter[0]}")`);
    // Statically imported chunks (esbuild's shared helpers) are preloaded beside app.js; the highlighter is not among them.
    const staticImports = [...app.matchAll(/(?:^|;)import\s*(?:[^"';]*?from\s*)?"\.\/([^"]+)"/g)].map((m) => m[1]!);
    for (const chunk of staticImports) expect(html).toContain(`<link rel="modulepreload" href="${chunk}" />`);
    expect(staticImports).not.toContain(highlighter[0]);
    expect(html).not.toContain("highlight-");
    const code = readFileSync(path.join(out, highlighter[0]!), "utf8");
    expect(code).toContain("hljs-");
    expect(code).not.toMatch(/outerHTML|insertAdjacentHTML|document\.write|new Function|eval\(/);
  });

  it("refuses to empty the project or a folder holding it", () => {
    expect(() => buildFrontend(projectRoot, { workerUrl })).toThrow(/refusing to empty/);
    expect(() => buildFrontend(path.dirname(projectRoot), { workerUrl })).toThrow(/refusing to empty/);
  });

  it("bundles no HTML sink and no source map, and stays small", () => {
    const out = path.join(tempDir("small-"), "out");
    buildFrontend(out, { workerUrl });
    const js = readFileSync(path.join(out, "app.js"), "utf8");
    expect(js).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|new Function|eval\(/);
    expect(js.length).toBeLessThan(100_000);
    expect(readFileSync(path.join(out, "app.css")).length).toBeLessThan(40_000);
  });

  it("limits the page to its own files and the worker's origin", () => {
    const out = path.join(tempDir("csp-"), "out");
    buildFrontend(out, { workerUrl: `${workerUrl}/` });
    const html = readFileSync(path.join(out, "index.html"), "utf8");
    expect(html).toContain(`content="${contentSecurityPolicy(workerUrl)}"`);
    expect(contentSecurityPolicy(workerUrl)).toContain(`connect-src 'self' ${workerUrl};`);
    expect(contentSecurityPolicy(workerUrl)).toMatch(/script-src 'self';.*img-src 'self';/);
    expect(contentSecurityPolicy("")).toContain("connect-src 'self';");
  });

  it("writes the app's headers for Pages: the policy with frame-ancestors, no framing, no sniffing, no referrer", () => {
    const out = path.join(tempDir("headers-"), "out");
    buildFrontend(out, { workerUrl });
    expect(readFileSync(path.join(out, "_headers"), "utf8")).toBe(
      [
        "/*",
        `  Content-Security-Policy: ${contentSecurityPolicy(workerUrl)}; frame-ancestors 'none'`,
        "  X-Frame-Options: DENY",
        "  X-Content-Type-Options: nosniff",
        "  Referrer-Policy: no-referrer",
        "",
      ].join("\n"),
    );
  });
});
