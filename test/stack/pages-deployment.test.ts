import { createRequire } from "node:module";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import {
  pagesDeploymentProvider,
  type PagesDeploymentInputs,
  type PagesDeploymentState,
} from "../../stack/pages-deployment";
import { pagesAssetHash, pagesContentType, pagesMaxFileCount, readPagesManifest } from "../../stack/pages-manifest";
import { manifestChanges, uploadBuckets, type UploadFile } from "../../stack/pages-upload-plan";
import { useCloudflareEmulator } from "../support/use-cloudflare-emulator";
import { pagesFileHash } from "../support/cloudflare-emulator-pages-hash";

const accountId = "0123456789abcdef0123456789abcdef";
const token = "pages-test-token";
const emulator = useCloudflareEmulator({ token, accountId });
const folders: string[] = [];

afterAll(async () => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

type Files = Record<string, string | Buffer>;

/** A build folder holding `files` (relative paths). */
function buildFolder(files: Files): string {
  const dir = mkdtempSync(path.join(tmpdir(), "sos-pages-"));
  folders.push(dir);
  for (const [name, content] of Object.entries(files)) writeFile(dir, name, content);
  return dir;
}

function writeFile(dir: string, name: string, content: string | Buffer): void {
  mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
  writeFileSync(path.join(dir, name), content);
}

/** What Pages should serve for `files`: `"/path"` → bytes. */
function served(files: Files): Map<string, Buffer> {
  return new Map(
    Object.entries(files)
      .map(([name, content]) => [`/${name}`, Buffer.from(content)] as const)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

/** What the stack gives the resource for a build folder (the manifest read at preview). */
function inputsFor(dir: string, projectName: string, branch = "main"): PagesDeploymentInputs {
  return {
    accountId,
    projectName,
    apiToken: token,
    buildDir: dir,
    branch,
    files: readPagesManifest(dir),
    keepDeployments: 10,
  };
}

function uploadedHashes(since = 0): string[] {
  return emulator()
    .pagesUploads.slice(since)
    .flatMap((upload) => upload.hashes)
    .sort();
}

function calls(): string[] {
  return emulator().requests.map((request) => `${request.method} ${request.path}`);
}

let counter = 0;
/** A fresh project, and a build whose blobs no other test uploaded (blobs are kept per account). */
function freshSite(extra: Files = {}): { project: string; files: Files } {
  const project = `pages-test-${++counter}`;
  emulator().createPagesProject(project);
  return {
    project,
    files: {
      "index.html": `<!doctype html><title>${project}</title><script type="module" src="/assets/app.js"></script>\n`,
      "assets/app.js": `document.title = ${JSON.stringify(project)};\n`,
      "assets/style.css": `h1 { content: ${JSON.stringify(project)}; }\n`,
      // Every byte value, then the project's name: nothing may be lost to a text encoding on the way.
      "img/logo.png": Buffer.concat([
        Buffer.from(Array.from({ length: 256 }, (_, byte) => byte)),
        Buffer.from(project),
      ]),
      LICENSE: `Apache-2.0 (${project})\n`,
      ...extra,
    },
  };
}

beforeEach(() => emulator().resetRequests());

describe("Pages build manifest", () => {
  it("hashes every file as wrangler does: extension kept, none, binary, upper case, nested", () => {
    const files: Files = {
      "index.html": "<!doctype html><h1>SOS</h1>\n",
      LICENSE: "Apache-2.0\n",
      "img/logo.png": Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 37) % 256)),
      "img/LOGO.PNG": Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 37) % 256)),
      "assets/app.min.js": "export {};\n",
      ".well-known/security.txt": "Contact: mailto:security@example.com\n",
      "fonts/café.woff2": Buffer.from([0x77, 0x4f, 0x46, 0x32, 0, 1, 0, 0]),
    };
    const manifest = readPagesManifest(buildFolder(files));
    expect(Object.keys(manifest)).toEqual([
      "/.well-known/security.txt",
      "/LICENSE",
      "/assets/app.min.js",
      "/fonts/café.woff2",
      "/img/LOGO.PNG",
      "/img/logo.png",
      "/index.html",
    ]);
    for (const [name, content] of Object.entries(files)) {
      const entry = manifest[`/${name}`]!;
      expect({ name, hash: entry.hash, size: entry.size }).toEqual({
        name,
        hash: pagesFileHash(Buffer.from(content), name),
        size: Buffer.byteLength(content),
      });
    }
    // The extension is part of the key: the same bytes as .png and .PNG are two assets.
    expect(manifest["/img/logo.png"]!.hash).not.toBe(manifest["/img/LOGO.PNG"]!.hash);
    expect(pagesAssetHash(Buffer.alloc(0), "/empty")).toBe(pagesFileHash(Buffer.alloc(0), "empty"));
  });

  it("leaves out what wrangler leaves out", () => {
    const manifest = readPagesManifest(
      buildFolder({
        "index.html": "<h1>kept</h1>",
        _headers: "/*\n  X-Frame-Options: DENY\n",
        _redirects: "/old /new 301\n",
        "_routes.json": "{}",
        "_worker.js": "export default {};",
        "functions/api.js": "export function onRequest() {}",
        ".wrangler/cache.json": "{}",
        ".DS_Store": "x",
        "img/.DS_Store": "x",
        "node_modules/x/index.js": "x",
        "vendor/node_modules/y.js": "y",
        ".git/HEAD": "ref: refs/heads/main\n",
        // Only at the top are these special: deeper down they are ordinary files.
        "docs/_headers": "kept",
        "docs/functions/readme.txt": "kept",
      }),
    );
    expect(Object.keys(manifest)).toEqual(["/docs/_headers", "/docs/functions/readme.txt", "/index.html"]);
  });

  it("gives each file the content type wrangler's mime table gives it", () => {
    const cli = readFileSync(createRequire(__filename).resolve("wrangler/wrangler-dist/cli.js"), "utf8");
    const table = (name: string) => {
      const start = cli.indexOf(`mime@3.0.0/node_modules/mime/types/${name}.js"(exports, module2) {`);
      const json = cli.indexOf("module2.exports = ", start) + "module2.exports = ".length;
      return JSON.parse(cli.slice(json, cli.indexOf(";\n", json))) as Record<string, string[]>;
    };
    const wranglers = new Map<string, string>();
    for (const [type, extensions] of Object.entries({ ...table("standard"), ...table("other") })) {
      for (const extension of extensions) if (!extension.startsWith("*")) wranglers.set(extension, type);
    }
    const extensions = ["html", "htm", "css", "js", "mjs", "json", "map", "svg", "png", "jpg", "jpeg", "gif"];
    extensions.push("webp", "ico", "txt", "webmanifest", "woff", "woff2", "wasm");
    for (const extension of extensions) {
      expect({ extension, type: pagesContentType(`/assets/file.${extension}`) }).toEqual({
        extension,
        type: wranglers.get(extension),
      });
    }
    expect(pagesContentType("/INDEX.HTML")).toBe("text/html");
    expect(pagesContentType("/LICENSE")).toBe("application/octet-stream");
    expect(pagesContentType("/data.bin")).toBe("application/octet-stream");
    const manifest = readPagesManifest(buildFolder({ "index.html": "x", "app.js": "x", "favicon.ico": "x" }));
    expect(Object.values(manifest).map((file) => file.contentType)).toEqual([
      "application/javascript",
      "image/vnd.microsoft.icon",
      "text/html",
    ]);
  });

  it("refuses a file over 25 MiB, naming it", () => {
    const dir = buildFolder({ "index.html": "x", "media/video.mp4": "" });
    truncateSync(path.join(dir, "media/video.mp4"), 25 * 1024 * 1024 + 1);
    expect(() => readPagesManifest(dir)).toThrow(
      /^Pages only takes files up to 25 MiB; \/media\/video\.mp4 in .* is 25\.0 MiB\.$/,
    );
  });

  it("refuses more than 20,000 files, giving the count", () => {
    const dir = buildFolder({});
    for (let i = 0; i <= pagesMaxFileCount; i++) writeFile(dir, `f/${i % 100}/${i}.txt`, "");
    expect(() => readPagesManifest(dir)).toThrow(
      /^Pages takes at most 20,000 files in a deployment; .* holds 20,001\. Check that the build folder is the right one\.$/,
    );
  });

  it("refuses a build folder that is not there", () => {
    expect(() => readPagesManifest(path.join(tmpdir(), "sos-no-such-build"))).toThrow(
      /^The Pages build folder .*sos-no-such-build does not exist; build the frontend first\.$/,
    );
  });
});

describe("upload buckets", () => {
  const mib = 1024 * 1024;
  const file = (name: string, size: number): UploadFile => ({ path: `/${name}`, hash: name, size });

  it("holds at most 2,000 files and 40 MiB each, every file once, largest first round-robin like wrangler", () => {
    const small = Array.from({ length: 6_500 }, (_, i) => file(`s${i}`, 100));
    const large = [file("a", 30 * mib), file("b", 25 * mib), file("c", 20 * mib), file("d", 15 * mib)];
    const buckets = uploadBuckets([...small, ...large]);
    for (const bucket of buckets) {
      expect(bucket.length).toBeLessThanOrEqual(2_000);
      expect(bucket.reduce((sum, entry) => sum + entry.size, 0)).toBeLessThanOrEqual(40 * mib);
    }
    expect(
      buckets
        .flat()
        .map((entry) => entry.hash)
        .sort(),
    ).toEqual([...small, ...large].map((e) => e.hash).sort());
    // The three largest start the three buckets; the fourth is offered to the first bucket, where it
    // does not fit beside 30 MiB, then to the second, where it fills the 40 MiB exactly.
    expect(buckets.slice(0, 3).map((bucket) => bucket[0]!.hash)).toEqual(["a", "b", "c"]);
    expect(buckets[1]!.slice(0, 2).map((entry) => entry.hash)).toEqual(["b", "d"]);
    expect(buckets[1]!).toHaveLength(2);
    // The small files fill the two buckets with room up to 2,000 files (1,999 each beside a and c),
    // and the other 2,502 go to new buckets.
    expect(buckets.map((bucket) => bucket.length)).toEqual([2_000, 2, 2_000, 2_000, 502]);
  });

  it("gives a file that fits nowhere a bucket of its own", () => {
    const buckets = uploadBuckets([25, 24, 23, 22, 21].map((size, i) => file(`f${i}`, size * mib)));
    expect(buckets.map((bucket) => bucket.map((entry) => entry.hash))).toEqual([
      ["f0"],
      ["f1"],
      ["f2"],
      ["f3"],
      ["f4"],
    ]);
    expect(uploadBuckets([])).toEqual([]);
  });
});

describe("Pages deployment provider", () => {
  it("first deploy: uploads every file once and the deployment serves exactly the folder", async () => {
    const { project, files } = freshSite({ _headers: "/*\n  X-Frame-Options: DENY\n", ".DS_Store": "x" });
    const inputs = inputsFor(buildFolder(files), project);
    const { _headers: _special, ".DS_Store": _finder, ...deployed } = files;

    const { id, outs } = await pagesDeploymentProvider.create!(inputs);
    expect(id).toBe(`${accountId}/${project}`);
    const live = emulator().pagesDeployment(project);
    expect(outs!.deploymentId).toBe(live.id);
    expect(outs!.url).toBe(live.url);
    expect(outs!.url).toMatch(new RegExp(`^https://[0-9a-f]{8}\\.${project}\\.pages\\.dev$`));
    expect(live).toMatchObject({ branch: "main", environment: "production" });
    expect(outs!.files).toEqual(inputs.files);

    expect(emulator().pagesFiles(project)).toEqual(served(deployed));
    expect(live.manifest).toEqual(
      Object.fromEntries(Object.entries(inputs.files).map(([file, { hash }]) => [file, hash])),
    );
    expect(uploadedHashes()).toEqual(
      Object.values(inputs.files)
        .map((file) => file.hash)
        .sort(),
    );
    expect(emulator().pagesUploads.every((upload) => upload.project === project)).toBe(true);

    // wrangler's order; five files dealt over its three buckets make three uploads. Then the production
    // deployments are listed, to keep the last keepDeployments (one so far: nothing is deleted).
    const projectPath = `/accounts/${accountId}/pages/projects/${project}`;
    expect(calls()).toEqual([
      `GET ${projectPath}/upload-token`,
      "POST /pages/assets/check-missing",
      "POST /pages/assets/upload",
      "POST /pages/assets/upload",
      "POST /pages/assets/upload",
      "POST /pages/assets/upsert-hashes",
      `POST ${projectPath}/deployments`,
      `GET ${projectPath}/deployments`,
    ]);
    const checked = emulator().requests[1]!.body as { hashes: string[] };
    expect(checked.hashes.sort()).toEqual(
      Object.values(inputs.files)
        .map((file) => file.hash)
        .sort(),
    );
  });

  it("identical redeploy: diff says no change; a rotated token is an update that calls nothing", async () => {
    const { project, files } = freshSite();
    const inputs = inputsFor(buildFolder(files), project);
    const { outs } = await pagesDeploymentProvider.create!(inputs);
    const first = emulator().pagesDeployment(project);
    emulator().resetRequests();

    // The same build elsewhere on disk (another checkout, another machine).
    const again = inputsFor(buildFolder(files), project);
    expect(again.buildDir).not.toBe(inputs.buildDir);
    const diff = await pagesDeploymentProvider.diff!(
      "id",
      { ...outs!, __provider: "old" } as PagesDeploymentState,
      {
        ...again,
        __provider: "new",
      } as PagesDeploymentInputs,
    );
    expect(diff).toEqual({ changes: false });
    expect(manifestChanges(outs!.files, again.files)).toEqual({ added: [], changed: [], removed: [] });
    expect(emulator().requests).toEqual([]);

    // A rotated token must reach state (refresh and destroy read it from there): a change, stored by an
    // update that neither uploads nor deploys.
    const rotated = { ...again, apiToken: "rotated-token" };
    expect(await pagesDeploymentProvider.diff!("id", outs!, rotated)).toEqual({ changes: true });
    const { outs: stored } = await pagesDeploymentProvider.update!("id", outs!, rotated);
    expect(stored).toMatchObject({ apiToken: "rotated-token", deploymentId: outs!.deploymentId, url: outs!.url });
    expect(emulator().requests).toEqual([]);

    // An update of the same build anyway (the engine asks for none) uploads and deploys nothing.
    const uploadsBefore = emulator().pagesUploads.length;
    const { outs: updated } = await pagesDeploymentProvider.update!("id", outs!, inputs);
    expect(emulator().pagesUploads.length).toBe(uploadsBefore);
    expect(emulator().requests).toEqual([]);
    expect(updated!.deploymentId).toBe(first.id);
    expect(emulator().pagesFiles(project)).toEqual(served(files));
  });

  it("one file changed: diff names it, only it is uploaded, the new deployment serves the new bytes", async () => {
    const { project, files } = freshSite();
    const { outs } = await pagesDeploymentProvider.create!(inputsFor(buildFolder(files), project));
    const before = emulator().pagesDeployment(project);
    const uploadsBefore = emulator().pagesUploads.length;

    const changedApp = Buffer.from(`document.title = "${project} v2";\n`);
    const next = inputsFor(buildFolder({ ...files, "assets/app.js": changedApp }), project);
    expect(manifestChanges(outs!.files, next.files)).toEqual({ added: [], changed: ["/assets/app.js"], removed: [] });
    expect(await pagesDeploymentProvider.diff!("id", outs!, next)).toEqual({ changes: true });

    const { outs: updated } = await pagesDeploymentProvider.update!("id", outs!, next);
    expect(emulator().pagesUploads.slice(uploadsBefore)).toEqual([
      { project, hashes: [pagesFileHash(changedApp, "assets/app.js")] },
    ]);
    expect(updated!.deploymentId).toBe(emulator().pagesDeployment(project).id);
    expect(emulator().pagesFiles(project)).toEqual(served({ ...files, "assets/app.js": changedApp }));
    // The previous deployment keeps serving what it served.
    expect(emulator().pagesFiles(project, before.id)).toEqual(served(files));
  });

  it("a file removed and one added: diff names both; the new deployment serves the new set only", async () => {
    const { project, files } = freshSite();
    const { outs } = await pagesDeploymentProvider.create!(inputsFor(buildFolder(files), project));
    const uploadsBefore = emulator().pagesUploads.length;

    const { "img/logo.png": _removed, ...rest } = files;
    const nextFiles = { ...rest, "about.html": `<h1>About ${project}</h1>\n` };
    const next = inputsFor(buildFolder(nextFiles), project);
    expect(manifestChanges(outs!.files, next.files)).toEqual({
      added: ["/about.html"],
      changed: [],
      removed: ["/img/logo.png"],
    });
    expect((await pagesDeploymentProvider.diff!("id", outs!, next)).changes).toBe(true);

    await pagesDeploymentProvider.update!("id", outs!, next);
    expect(uploadedHashes(uploadsBefore)).toEqual([pagesFileHash(Buffer.from(nextFiles["about.html"]), "about.html")]);
    const serving = emulator().pagesFiles(project);
    expect(serving.has("/img/logo.png")).toBe(false);
    expect(serving).toEqual(served(nextFiles));
  });

  it("refuses a build edited between preview and update, naming the file, before any request", async () => {
    const { project, files } = freshSite();
    const dir = buildFolder(files);
    const { outs } = await pagesDeploymentProvider.create!(inputsFor(dir, project));
    const live = emulator().pagesDeployment(project).id;

    writeFile(dir, "assets/style.css", "h1 { color: teal; }\n");
    const previewed = inputsFor(dir, project);
    expect(manifestChanges(outs!.files, previewed.files).changed).toEqual(["/assets/style.css"]);
    // Edited again after the preview, and a file removed.
    writeFile(dir, "assets/style.css", "h1 { color: red; }\n");
    unlinkSync(path.join(dir, "LICENSE"));
    emulator().resetRequests();
    await expect(pagesDeploymentProvider.update!("id", outs!, previewed)).rejects.toThrow(
      new RegExp(
        `^The build in ${dir.replace(/[.\\]/g, "\\$&")} changed since the preview: /assets/style\\.css \\(changed\\), ` +
          "/LICENSE \\(removed\\)\\. Nothing was deployed; run `pulumi up` again\\.$",
      ),
    );
    expect(emulator().requests).toEqual([]);
    expect(emulator().pagesDeployment(project).id).toBe(live);
  });

  it("uploads a large build in several buckets of at most 2,000 files", async () => {
    const { project, files } = freshSite();
    const many: Files = { ...files };
    for (let i = 0; i < 4_500; i++) many[`chunks/${i}.js`] = `export const chunk = ${i}; // ${project}\n`;
    const inputs = inputsFor(buildFolder(many), project);
    await pagesDeploymentProvider.create!(inputs);
    const uploads = emulator().requests.filter((request) => request.path === "/pages/assets/upload");
    expect(uploads.length).toBeGreaterThanOrEqual(3);
    for (const upload of uploads) expect((upload.body as unknown[]).length).toBeLessThanOrEqual(2_000);
    expect(uploadedHashes(emulator().pagesUploads.length - uploads.length)).toEqual(
      Object.values(inputs.files)
        .map((file) => file.hash)
        .sort(),
    );
    expect(emulator().pagesFiles(project)).toEqual(served(many));
  });

  it("deploys another branch as a preview", async () => {
    const { project, files } = freshSite();
    const { outs } = await pagesDeploymentProvider.create!(inputsFor(buildFolder(files), project, "feature/chat"));
    expect(emulator().pagesDeployment(project, outs!.deploymentId)).toMatchObject({
      branch: "feature/chat",
      environment: "preview",
    });
    const backToMain = await pagesDeploymentProvider.diff!("id", outs!, { ...outs!, branch: "main" });
    expect(backToMain).toEqual({ changes: true });
  });

  it("replaces the resource for another project or account", async () => {
    const { project, files } = freshSite();
    const inputs = inputsFor(buildFolder(files), project);
    const state = { ...inputs, deploymentId: "d", url: "u" };
    expect(await pagesDeploymentProvider.diff!("id", state, { ...inputs, projectName: "other" })).toEqual({
      changes: true,
      replaces: ["projectName"],
      deleteBeforeReplace: false,
    });
    expect(
      (await pagesDeploymentProvider.diff!("id", state, { ...inputs, accountId: "f".repeat(32) })).replaces,
    ).toEqual(["accountId"]);
  });

  it("refreshes: keeps the state while the deployment exists, forgets the files when it is gone", async () => {
    const { project, files } = freshSite();
    const inputs = inputsFor(buildFolder(files), project);
    const { id, outs } = await pagesDeploymentProvider.create!(inputs);
    expect(await pagesDeploymentProvider.read!(id, outs)).toEqual({ id, props: outs });

    const gone = { ...outs!, deploymentId: "00000000-0000-4000-8000-000000000000" };
    const read = await pagesDeploymentProvider.read!(id, gone);
    expect(read.props).toMatchObject({ deploymentId: "", url: "", files: {} });
    // So the next `pulumi up` deploys the whole build again.
    expect(manifestChanges(read.props!.files, inputs.files).added).toEqual(Object.keys(inputs.files));
    expect((await pagesDeploymentProvider.diff!(id, read.props!, inputs)).changes).toBe(true);
  });

  it("keeps the last keepDeployments production deployments and deletes older ones; a new count prunes to it", async () => {
    const { project, files } = freshSite();
    let inputs = { ...inputsFor(buildFolder(files), project), keepDeployments: 3 };
    let { id, outs } = await pagesDeploymentProvider.create!(inputs);
    const made = [outs!.deploymentId];
    for (let version = 2; version <= 6; version++) {
      const next = {
        ...inputsFor(buildFolder({ ...files, "version.txt": `${version}\n` }), project),
        keepDeployments: 3,
      };
      outs = (await pagesDeploymentProvider.update!(id, outs!, next)).outs;
      made.push(outs!.deploymentId);
      inputs = next;
    }
    expect(
      emulator()
        .pagesDeployments(project)
        .map((deployment) => deployment.id),
    ).toEqual(made.slice(-3));
    expect(emulator().pagesDeployment(project).id).toBe(made.at(-1));
    // A preview deployment counts against its own environment only.
    const preview = await pagesDeploymentProvider.create!({ ...inputs, branch: "feature" });
    expect(emulator().pagesDeployments(project)).toHaveLength(4);

    emulator().resetRequests();
    const fewer = { ...inputs, keepDeployments: 1 };
    expect(await pagesDeploymentProvider.diff!(id, outs!, fewer)).toEqual({ changes: true });
    const { outs: pruned } = await pagesDeploymentProvider.update!(id, outs!, fewer);
    expect(pruned!.deploymentId).toBe(made.at(-1));
    expect(calls().filter((call) => call.startsWith("POST"))).toEqual([]);
    expect(
      emulator()
        .pagesDeployments(project)
        .map((deployment) => deployment.id),
    ).toEqual([made.at(-1), preview.outs!.deploymentId]);
  });

  it("deletes every deployment but the live one, which Pages keeps until the project goes", async () => {
    const { project, files } = freshSite();
    const inputs = inputsFor(buildFolder(files), project);
    const { id, outs } = await pagesDeploymentProvider.create!(inputs);
    const changed = inputsFor(buildFolder({ ...files, "extra.txt": "second\n" }), project);
    const { outs: second } = await pagesDeploymentProvider.update!(id, outs!, changed);
    const preview = await pagesDeploymentProvider.create!({ ...changed, branch: "feature" });
    expect(emulator().pagesDeployments(project)).toHaveLength(3);
    await pagesDeploymentProvider.delete!(id, second!);
    expect(
      emulator()
        .pagesDeployments(project)
        .map((deployment) => deployment.id),
    ).toEqual([second!.deploymentId]);
    expect(preview.outs!.deploymentId).not.toBe(second!.deploymentId);
    // A project already gone has nothing left to delete.
    emulator().resetRequests();
    await pagesDeploymentProvider.delete!(id, { ...second!, projectName: "no-such-project" });
    expect(calls()).toEqual([`GET /accounts/${accountId}/pages/projects/no-such-project`]);
  });

  it("reports a wrong token and an unknown project as the API's errors", async () => {
    const { project, files } = freshSite();
    const inputs = inputsFor(buildFolder(files), project);
    await expect(pagesDeploymentProvider.create!({ ...inputs, apiToken: "wrong" })).rejects.toThrow(
      `403 get upload token of Pages project '${project}': Authentication error [code 10000]`,
    );
    await expect(pagesDeploymentProvider.create!({ ...inputs, projectName: "no-such-chat" })).rejects.toThrow(
      /^404 get upload token of Pages project 'no-such-chat': Project not found\./,
    );
  });
});
