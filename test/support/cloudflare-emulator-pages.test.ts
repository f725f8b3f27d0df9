import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startCloudflareEmulator, type CloudflareEmulator } from "./cloudflare-emulator";
import { wranglerPagesSite, wranglerTimeout as wranglerTimeoutMs } from "./wrangler";
import { extensionsByContentType } from "./cloudflare-emulator-pages-assets";
import { pagesExtension, pagesFileHash, pagesHash } from "./cloudflare-emulator-pages-hash";

const accountId = "0123456789abcdef0123456789abcdef";
let emulator: CloudflareEmulator;

beforeAll(async () => {
  emulator = await startCloudflareEmulator({ token: "emulator-token", accountId });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => emulator.resetRequests());

interface Envelope {
  success: boolean;
  errors: { code: number; message: string }[];
  result: any;
  result_info?: Record<string, number>;
}

async function call(
  method: string,
  path: string,
  options: { token?: string | null; json?: unknown; form?: FormData } = {},
): Promise<{ status: number; body: Envelope }> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? emulator.token : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (options.json !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${emulator.baseUrl}${path}`, {
    method,
    headers,
    body: options.form ?? (options.json === undefined ? undefined : JSON.stringify(options.json)),
  });
  return { status: response.status, body: (await response.json()) as Envelope };
}

const projects = `/accounts/${accountId}/pages/projects`;

async function uploadToken(project: string): Promise<string> {
  const { body } = await call("GET", `${projects}/${project}/upload-token`);
  return body.result.jwt as string;
}

/** What wrangler sends for a file: its key, base64 content and the content type mime gives its name. */
function asset(path: string, content: string | Buffer, contentType: string) {
  const bytes = Buffer.from(content);
  return { key: pagesFileHash(bytes, path), value: bytes.toString("base64"), metadata: { contentType }, base64: true };
}

function deploymentForm(manifest: Record<string, string>, extra: Record<string, string | Blob> = {}): FormData {
  const form = new FormData();
  form.append("manifest", JSON.stringify(manifest));
  for (const [name, value] of Object.entries(extra)) form.append(name, value);
  return form;
}

/** Uploads and confirms files for a project, as wrangler does before it creates a deployment. */
async function uploadFiles(project: string, files: Record<string, [content: string | Buffer, contentType: string]>) {
  const jwt = await uploadToken(project);
  const payload = Object.entries(files).map(([path, [content, type]]) => asset(path, content, type));
  expect((await call("POST", "/pages/assets/upload", { token: jwt, json: payload })).status).toBe(200);
  const hashes = payload.map((file) => file.key);
  expect((await call("POST", "/pages/assets/upsert-hashes", { token: jwt, json: { hashes } })).status).toBe(200);
  return Object.fromEntries(Object.keys(files).map((path, index) => [`/${path}`, hashes[index]!]));
}

describe("pagesFileHash", () => {
  it("gives wrangler's own test vectors (packages/wrangler/src/__tests__/pages/project-upload.test.ts)", () => {
    const foobar = Buffer.from("foobar");
    expect(pagesFileHash(foobar, "logo.png")).toBe("2082190357cfd3617ccfe04f340c6247");
    expect(pagesFileHash(foobar, "logo.txt")).toBe("1a98fb08af91aca4a7df1764a2c4ddb0");
    expect(pagesFileHash(foobar, "logo.html")).toBe("d96fef225537c9f5e44a3cb27fd0b492");
    expect(pagesFileHash(foobar, "logo.js")).toBe("6be321bef99e758250dac034474ddbb8");
    expect(pagesFileHash(foobar, ".well-known/foobar")).toBe("7b764dacfd211bebd8077828a7ddefd7");
    expect(pagesFileHash(Buffer.from("headersfile"), "some_dir/_headers")).toBe("95dedb64e6d4940fc2e0f11f711cc2f4");
    expect(pagesFileHash(Buffer.from("func"), "some_dir/functions/foo.js")).toBe("09a79777abda8ccc8bdd51dd3ff8e9e9");
  });

  it("takes the extension as Node's extname does, case kept", () => {
    expect(["a/b.tar.gz", "README", ".bashrc", "x/.well-known/foo", "LOGO.PNG", "file."].map(pagesExtension)).toEqual([
      "gz",
      "",
      "",
      "",
      "PNG",
      "",
    ]);
    expect(pagesFileHash(Buffer.from("foobar"), "LOGO.PNG")).not.toBe(pagesFileHash(Buffer.from("foobar"), "logo.png"));
  });

  it("lists complete extension sets: each type's extensions are exactly those wrangler's bundled mime maps to it", () => {
    const cli = readFileSync(createRequire(__filename).resolve("wrangler/wrangler-dist/cli.js"), "utf8");
    const table = (name: string) => {
      const start = cli.indexOf(`mime@3.0.0/node_modules/mime/types/${name}.js"(exports, module2) {`);
      const json = cli.indexOf("module2.exports = ", start) + "module2.exports = ".length;
      return JSON.parse(cli.slice(json, cli.indexOf(";\n", json))) as Record<string, string[]>;
    };
    const typeOf = new Map<string, string>();
    for (const [type, extensions] of Object.entries({ ...table("standard"), ...table("other") })) {
      for (const extension of extensions) if (!extension.startsWith("*")) typeOf.set(extension, type);
    }
    for (const [type, extensions] of Object.entries(extensionsByContentType)) {
      const wranglers = [...typeOf].filter(([, mapped]) => mapped === type).map(([extension]) => extension);
      expect({ type, extensions: [...extensions].sort() }).toEqual({ type, extensions: wranglers.sort() });
    }
  });
});

describe("Pages projects", () => {
  it("creates a direct-upload project and answers it like the API", async () => {
    const { status, body } = await call("POST", projects, {
      json: {
        name: "crud-site",
        production_branch: "release",
        deployment_configs: { production: { compatibility_date: "2025-03-01" }, preview: {} },
      },
    });
    expect(status).toBe(200);
    expect(body.result).toMatchObject({
      name: "crud-site",
      subdomain: "crud-site.pages.dev",
      domains: ["crud-site.pages.dev"],
      production_branch: "release",
      source: null,
      latest_deployment: null,
      canonical_deployment: null,
      created_on: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      deployment_configs: {
        production: { compatibility_date: "2025-03-01", compatibility_flags: [] },
        preview: { compatibility_date: expect.stringMatching(/^\d{4}-\d\d-\d\d$/), compatibility_flags: [] },
      },
    });
    expect((await call("GET", `${projects}/crud-site`)).body.result).toEqual(body.result);
  });

  it("refuses a taken or invalid name", async () => {
    emulator.createPagesProject("taken-site");
    const taken = await call("POST", projects, { json: { name: "taken-site", production_branch: "main" } });
    expect(taken.status).toBe(400);
    expect(taken.body.errors).toEqual([
      { code: 8000002, message: "A project with this name already exists. Choose a different project name." },
    ]);
    for (const name of ["Upper", "-dash", "under_score", "x".repeat(59), ""]) {
      expect((await call("POST", projects, { json: { name } })).status).toBe(400);
    }
  });

  it("lists projects a page at a time", async () => {
    for (const name of ["list-a", "list-b", "list-c"]) emulator.createPagesProject(name);
    const { body } = await call("GET", `${projects}?per_page=2&page=1`);
    expect(body.result).toHaveLength(2);
    expect(body.result_info).toMatchObject({ page: 1, per_page: 2, count: 2 });
    const all = (await call("GET", `${projects}?per_page=100`)).body.result as { name: string }[];
    expect(all.map((project) => project.name)).toEqual(expect.arrayContaining(["list-a", "list-b", "list-c"]));
    expect(body.result_info!.total_count).toBe(all.length);
  });

  it("deletes a project, after which it is not found (8000007, what wrangler checks for)", async () => {
    emulator.createPagesProject("doomed-site");
    expect(await call("DELETE", `${projects}/doomed-site`)).toEqual({
      status: 200,
      body: { success: true, errors: [], messages: [], result: null },
    });
    const gone = await call("GET", `${projects}/doomed-site`);
    expect(gone.status).toBe(404);
    expect(gone.body.errors).toEqual([
      {
        code: 8000007,
        message: "Project not found. The specified project name does not match any of your existing projects.",
      },
    ]);
  });

  it("refuses another account and a wrong API token", async () => {
    emulator.createPagesProject("guarded-site");
    expect((await call("GET", `/accounts/ffffffffffffffffffffffffffffffff/pages/projects/guarded-site`)).status).toBe(
      403,
    );
    expect((await call("GET", `${projects}/guarded-site`, { token: "not-the-token" })).body.errors).toEqual([
      { code: 10000, message: "Authentication error" },
    ]);
  });
});

describe("the upload token and the asset endpoints", () => {
  it("hands out a JWT whose claims wrangler reads (max_file_count_allowed, exp)", async () => {
    emulator.createPagesProject("token-site");
    const jwt = await uploadToken("token-site");
    const [header, payload, signature] = jwt.split(".");
    expect(signature).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(JSON.parse(Buffer.from(header!, "base64").toString())).toEqual({ alg: "HS256", typ: "JWT" });
    const claims = JSON.parse(Buffer.from(payload!, "base64").toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ account_id: accountId, project_name: "token-site", max_file_count_allowed: 20000 });
    expect(claims.exp).toBeGreaterThan(Date.now() / 1000);
    expect((await call("GET", `${projects}/no-such-site/upload-token`)).status).toBe(404);
  });

  it("takes only the upload JWT: the API token, a forged or a missing one are 401 Authorization failed", async () => {
    emulator.createPagesProject("jwt-site");
    const jwt = await uploadToken("jwt-site");
    const [header, payload, signature] = jwt.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, max_file_count_allowed: 1e6 })).toString("base64url")}.${signature}`;
    const refused = { code: 8000013, message: "Authorization failed" };
    for (const token of [emulator.token, forged, null, "garbage"]) {
      const { status, body } = await call("POST", "/pages/assets/check-missing", { token, json: { hashes: [] } });
      expect({ token, status, errors: body.errors }).toEqual({ token, status: 401, errors: [refused] });
    }
    expect((await call("POST", "/pages/assets/check-missing", { token: jwt, json: { hashes: [] } })).status).toBe(200);
  });

  it("stores blobs by hash: missing until uploaded and confirmed by upsert-hashes, then never again", async () => {
    emulator.createPagesProject("store-site");
    const jwt = await uploadToken("store-site");
    const page = asset("index.html", "<p>stored</p>", "text/html");
    const other = asset("about.html", "<p>other</p>", "text/html");
    const missing = async () =>
      (await call("POST", "/pages/assets/check-missing", { token: jwt, json: { hashes: [page.key, other.key] } })).body
        .result;
    expect(await missing()).toEqual([page.key, other.key]);

    const uploadsBefore = emulator.pagesUploads.length;
    expect(await call("POST", "/pages/assets/upload", { token: jwt, json: [page] })).toEqual({
      status: 200,
      body: { success: true, errors: [], messages: [], result: null },
    });
    expect(emulator.pagesUploads.slice(uploadsBefore)).toEqual([{ project: "store-site", hashes: [page.key] }]);
    // wrangler warns that a failed upsert means re-uploading next time: check-missing goes by the upserted set.
    expect(await missing()).toEqual([page.key, other.key]);
    const upsert = await call("POST", "/pages/assets/upsert-hashes", {
      token: jwt,
      json: { hashes: [page.key, other.key] },
    });
    expect(upsert.body.result).toBe(true);
    expect(await missing()).toEqual([other.key]);
  });

  it("refuses a blob whose content does not hash to its key, in any case of the extension", async () => {
    emulator.createPagesProject("mismatch-site");
    const jwt = await uploadToken("mismatch-site");
    const wrong = {
      ...asset("index.html", "<p>one</p>", "text/html"),
      value: Buffer.from("<p>two</p>").toString("base64"),
    };
    const refused = await call("POST", "/pages/assets/upload", { token: jwt, json: [wrong] });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]!.message).toContain(`Hash mismatch: ${wrong.key}`);
    // A key over the raw bytes instead of their base64 (a plausible bug in a client) is refused too.
    const raw = { ...asset("app.js", "x()", "application/javascript"), key: pagesHash("x()", "js") };
    expect((await call("POST", "/pages/assets/upload", { token: jwt, json: [raw] })).status).toBe(400);

    // wrangler keeps the extension's case in the hash and mime ignores it: INDEX.HTML and a root file
    // named "html" are both text/html.
    const upper = asset("INDEX.HTML", "<p>upper</p>", "text/html");
    const bare = asset("html", "<p>bare</p>", "text/html");
    expect((await call("POST", "/pages/assets/upload", { token: jwt, json: [upper, bare] })).status).toBe(200);
    expect(emulator.requests.filter((request) => request.path === "/pages/assets/upload")).toHaveLength(3);
  });

  it("refuses a malformed upload", async () => {
    emulator.createPagesProject("malformed-site");
    const jwt = await uploadToken("malformed-site");
    const good = asset("a.txt", "a", "text/plain");
    for (const body of [
      {},
      [{ ...good, base64: false }],
      [{ ...good, key: "XYZ" }],
      [{ ...good, value: "%%%" }],
      [{ ...good, metadata: {} }],
    ]) {
      expect((await call("POST", "/pages/assets/upload", { token: jwt, json: body })).status).toBe(400);
    }
    expect(
      (await call("POST", "/pages/assets/check-missing", { token: jwt, json: { hashes: ["short"] } })).status,
    ).toBe(400);
  });
});

describe("Pages deployments", () => {
  it("deploys a manifest of uploaded blobs and serves exactly those files", async () => {
    emulator.createPagesProject("deploy-site");
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x10, 0x80]);
    const manifest = await uploadFiles("deploy-site", {
      "index.html": ["<h1>home</h1>", "text/html"],
      "assets/app.js": ["start()", "application/javascript"],
      "img/logo.png": [png, "image/png"],
    });
    const headers = "/*\n  X-Frame-Options: DENY\n";
    const form = deploymentForm(manifest, {
      branch: "main",
      commit_dirty: "true",
      _headers: new File([headers], "_headers"),
    });
    const { status, body } = await call("POST", `${projects}/deploy-site/deployments`, { form });
    expect(status).toBe(200);
    const deployment = body.result;
    expect(deployment).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      project_name: "deploy-site",
      environment: "production",
      production_branch: "main",
      aliases: null,
      latest_stage: { name: "deploy", status: "success" },
      deployment_trigger: { type: "ad_hoc", metadata: { branch: "main", commit_hash: "", commit_dirty: true } },
      uses_functions: false,
    });
    expect(deployment.url).toBe(`https://${deployment.id.slice(0, 8)}.deploy-site.pages.dev`);
    expect(deployment.short_id).toBe(deployment.id.slice(0, 8));
    expect(deployment.stages.map((stage: { name: string }) => stage.name)).toEqual([
      "queued",
      "initialize",
      "clone_repo",
      "build",
      "deploy",
    ]);

    expect(emulator.pagesFiles("deploy-site")).toEqual(
      new Map([
        ["/index.html", Buffer.from("<h1>home</h1>")],
        ["/assets/app.js", Buffer.from("start()")],
        ["/img/logo.png", png],
      ]),
    );
    const view = emulator.pagesDeployment("deploy-site");
    expect(view).toMatchObject({
      id: deployment.id,
      url: deployment.url,
      branch: "main",
      environment: "production",
      manifest,
    });
    expect(view.parts).toEqual(new Map([["_headers", Buffer.from(headers)]]));

    const project = (await call("GET", `${projects}/deploy-site`)).body.result;
    expect(project.latest_deployment.id).toBe(deployment.id);
    expect(project.canonical_deployment.id).toBe(deployment.id);
  });

  it("refuses a manifest naming a hash never uploaded", async () => {
    emulator.createPagesProject("unknown-hash-site");
    const manifest = await uploadFiles("unknown-hash-site", { "index.html": ["<p>ok</p>", "text/html"] });
    const ghost = pagesFileHash(Buffer.from("never sent"), "ghost.js");
    const { status, body } = await call("POST", `${projects}/unknown-hash-site/deployments`, {
      form: deploymentForm({ ...manifest, "/ghost.js": ghost }),
    });
    expect(status).toBe(400);
    expect(body.errors).toEqual([
      { code: 8000000, message: `The manifest names assets that were never uploaded: /ghost.js (${ghost})` },
    ]);
    expect((await call("GET", `${projects}/unknown-hash-site/deployments`)).body.result).toEqual([]);
  });

  it("refuses a blob under a path it was not hashed for (checked there when the upload could not be)", async () => {
    emulator.createPagesProject("path-site");
    // An unknown extension is application/octet-stream: the upload alone cannot check it.
    const manifest = await uploadFiles("path-site", {
      "data.bin2": [Buffer.from([1, 2, 3]), "application/octet-stream"],
    });
    const renamed = { "/data.bin3": manifest["/data.bin2"]! };
    const { status, body } = await call("POST", `${projects}/path-site/deployments`, { form: deploymentForm(renamed) });
    expect(status).toBe(400);
    expect(body.errors[0]!.message).toBe(`Hash mismatch (emulator check): /data.bin3 is not ${manifest["/data.bin2"]}`);
    expect((await call("POST", `${projects}/path-site/deployments`, { form: deploymentForm(manifest) })).status).toBe(
      200,
    );
  });

  it("lists deployments newest first, filters by environment, and answers one by id", async () => {
    emulator.createPagesProject("list-site");
    const first = await uploadFiles("list-site", { "index.html": ["<p>v1</p>", "text/html"] });
    const second = await uploadFiles("list-site", { "index.html": ["<p>v2</p>", "text/html"] });
    const deploy = async (manifest: Record<string, string>, branch: string) =>
      (await call("POST", `${projects}/list-site/deployments`, { form: deploymentForm(manifest, { branch }) })).body
        .result as { id: string; environment: string; aliases: string[] | null; url: string };
    const v1 = await deploy(first, "main");
    const v2 = await deploy(second, "main");
    const preview = await deploy(first, "Feature/New_UI");
    expect(preview.environment).toBe("preview");
    expect(preview.aliases).toEqual(["https://feature-new-ui.list-site.pages.dev"]);

    const listed = (await call("GET", `${projects}/list-site/deployments`)).body;
    expect(listed.result.map((deployment: { id: string }) => deployment.id)).toEqual([preview.id, v2.id, v1.id]);
    expect(listed.result_info).toMatchObject({ page: 1, count: 3, total_count: 3 });
    const production = (await call("GET", `${projects}/list-site/deployments?env=production`)).body.result;
    expect(production.map((deployment: { id: string }) => deployment.id)).toEqual([v2.id, v1.id]);

    expect((await call("GET", `${projects}/list-site/deployments/${v1.id}`)).body.result).toMatchObject({
      id: v1.id,
      url: v1.url,
    });
    const missing = await call("GET", `${projects}/list-site/deployments/00000000-0000-0000-0000-000000000000`);
    expect(missing.status).toBe(404);

    // The project's domain serves the newest production deployment; older ones keep their own files.
    expect(emulator.pagesFiles("list-site").get("/index.html")!.toString()).toBe("<p>v2</p>");
    expect(emulator.pagesFiles("list-site", v1.id).get("/index.html")!.toString()).toBe("<p>v1</p>");
    const project = (await call("GET", `${projects}/list-site`)).body.result;
    expect(project.latest_deployment.id).toBe(preview.id);
    expect(project.canonical_deployment.id).toBe(v2.id);
  });

  it("refuses a deployment that is not a multipart form or has no manifest", async () => {
    emulator.createPagesProject("form-site");
    expect((await call("POST", `${projects}/form-site/deployments`, { json: { manifest: {} } })).status).toBe(400);
    const noManifest = new FormData();
    noManifest.append("branch", "main");
    expect((await call("POST", `${projects}/form-site/deployments`, { form: noManifest })).status).toBe(400);
    expect((await call("POST", `${projects}/no-such-site/deployments`, { form: deploymentForm({}) })).status).toBe(404);
  });
});

describe("deleting deployments and projects", () => {
  async function deploy(project: string, manifest: Record<string, string>, branch = "main") {
    const { status, body } = await call("POST", `${projects}/${project}/deployments`, {
      form: deploymentForm(manifest, { branch }),
    });
    expect(status).toBe(200);
    return body.result as { id: string };
  }

  it("deletes an old deployment; refuses the live production one, and an aliased one without force=true", async () => {
    emulator.createPagesProject("prune-site");
    const manifest = await uploadFiles("prune-site", { "index.html": ["<p>prune</p>", "text/html"] });
    const old = await deploy("prune-site", manifest);
    const live = await deploy("prune-site", manifest);
    const preview = await deploy("prune-site", manifest, "feature");
    const deployments = `${projects}/prune-site/deployments`;

    const refusedLive = await call("DELETE", `${deployments}/${live.id}?force=true`);
    expect(refusedLive.status).toBe(400);
    expect(refusedLive.body.errors[0]!.message).toMatch(/active production deployment/);
    const refusedAlias = await call("DELETE", `${deployments}/${preview.id}?force=false`);
    expect(refusedAlias.status).toBe(400);
    expect(refusedAlias.body.errors[0]!.message).toBe(
      "You cannot delete an aliased deployment without a `?force=true` parameter in the API request URL.",
    );

    expect((await call("DELETE", `${deployments}/${old.id}`)).status).toBe(200);
    expect((await call("DELETE", `${deployments}/${preview.id}?force=true`)).status).toBe(200);
    expect((await call("DELETE", `${deployments}/${old.id}`)).status).toBe(404);
    expect(emulator.pagesDeployments("prune-site").map((deployment) => deployment.id)).toEqual([live.id]);
  });

  it("refuses to delete a project holding over 100 deployments (8000076), as Cloudflare documents", async () => {
    emulator.createPagesProject("busy-site");
    const manifest = await uploadFiles("busy-site", { "index.html": ["<p>busy</p>", "text/html"] });
    const made: string[] = [];
    for (let i = 0; i < 101; i++) made.push((await deploy("busy-site", manifest)).id);
    const refused = await call("DELETE", `${projects}/busy-site`);
    expect(refused).toEqual({
      status: 400,
      body: {
        success: false,
        errors: [
          {
            code: 8000076,
            message:
              "Your project has too many deployments to be deleted, follow this guide to delete them: https://cfl.re/3CXesln",
          },
        ],
        messages: [],
        result: null,
      },
    });
    expect(emulator.hasPagesProject("busy-site")).toBe(true);
    // One deleted: 100 left, which Cloudflare still lets go.
    expect((await call("DELETE", `${projects}/busy-site/deployments/${made[0]}`)).status).toBe(200);
    expect((await call("DELETE", `${projects}/busy-site`)).status).toBe(200);
    expect(emulator.hasPagesProject("busy-site")).toBe(false);
  });
});

describe("wrangler against the deletion endpoints", () => {
  it(
    "deletes a deployment with `pages deployment delete --force`, and reads 8000076 from `pages project delete`",
    async () => {
      const site = wranglerPagesSite(emulator);
      try {
        emulator.createPagesProject("wrangler-prune");
        const manifest = await uploadFiles("wrangler-prune", { "index.html": ["<p>w</p>", "text/html"] });
        const deploy = async () =>
          (await call("POST", `${projects}/wrangler-prune/deployments`, { form: deploymentForm(manifest) })).body
            .result as { id: string };
        const old = await deploy();
        for (let i = 0; i < 101; i++) await deploy();

        const deleted = await site.run(
          "pages",
          "deployment",
          "delete",
          old.id,
          "--project-name",
          "wrangler-prune",
          "--force",
        );
        expect(deleted.code, deleted.stderr).toBe(0);
        expect(emulator.pagesDeployments("wrangler-prune").some((deployment) => deployment.id === old.id)).toBe(false);

        // 101 left: more than Pages deletes a project with.
        const refused = await site.run("pages", "project", "delete", "wrangler-prune", "--yes");
        expect(refused.code).not.toBe(0);
        // As wrangler printed it to the user in cloudflare/workers-sdk#12780 (its link styling taken off).
        const output = `${refused.stdout}${refused.stderr}`.replace(/\u001b\[[0-9;]*m/g, "");
        expect(output).toContain(
          "A request to the Cloudflare API (/accounts/0123456789abcdef0123456789abcdef/pages/projects/wrangler-prune) failed.",
        );
        expect(output).toContain(
          "Your project has too many deployments to be deleted, follow this guide to delete them: https://cfl.re/3CXesln [code: 8000076]",
        );
        expect(emulator.hasPagesProject("wrangler-prune")).toBe(true);
      } finally {
        site.remove();
      }
    },
    wranglerTimeoutMs,
  );
});
