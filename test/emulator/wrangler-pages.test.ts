import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCloudflareEmulator, type CloudflareEmulator } from "../support/cloudflare-emulator";
import { pagesFileHash } from "../support/cloudflare-emulator-pages-hash";
import { wranglerPagesSite, wranglerTimeout, type WranglerPagesSite } from "../support/wrangler";

/**
 * The Pages half of the emulator's fidelity check: the real `wrangler pages deploy` (direct upload)
 * must upload a folder and create a deployment through it exactly as against api.cloudflare.com, and
 * the emulator must then serve that folder byte for byte.
 */

const accountId = "0123456789abcdef0123456789abcdef";
const project = "sos-test-chat";

let emulator: CloudflareEmulator;
let site: WranglerPagesSite;

/** The folder as Pages serves it: every file but the special ones wrangler sends as form parts. */
const files = new Map<string, Buffer>([
  ["/index.html", Buffer.from('<!doctype html><script src="/assets/app.js"></script><h1>SOS</h1>\n')],
  ["/assets/app.js", Buffer.from('document.title = "SOS";\n')],
  ["/assets/style.css", Buffer.from("h1 { color: teal; }\n")],
  // Every byte value, then noise: nothing may be lost to a text encoding on the way.
  ["/img/logo.png", Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, byte) => byte)), randomBytes(4096)])],
]);
const headersFile = "/*\n  X-Frame-Options: DENY\n";

function deploy(...extra: string[]) {
  return site.run("pages", "deploy", site.siteDir, "--project-name", project, "--commit-dirty=true", ...extra);
}

function hashesOf(served: Map<string, Buffer>): string[] {
  return [...served].map(([path, content]) => pagesFileHash(content, path)).sort();
}

function uploadRequests(): number {
  return emulator.requests.filter((request) => request.path === "/pages/assets/upload").length;
}

beforeAll(async () => {
  emulator = await startCloudflareEmulator({ token: "wrangler-test-token", accountId });
  emulator.createPagesProject(project);
  site = wranglerPagesSite(emulator);
  for (const [path, content] of files) site.writeFile(path.slice(1), content);
  site.writeFile("_headers", headersFile);
});

afterAll(async () => {
  await emulator?.close();
  site?.remove();
});

describe("wrangler pages deploy against the emulator", () => {
  it(
    "uploads the folder, creates a production deployment, prints its URL, and the emulator serves the folder",
    async () => {
      emulator.resetRequests();
      const run = await deploy("--branch", "main");
      expect(run.stderr).not.toMatch(/ERROR/);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("✨ Success! Uploaded 4 files");
      expect(run.stdout).toContain("✨ Uploading _headers");

      const deployment = emulator.pagesDeployment(project);
      expect(deployment.url).toMatch(/^https:\/\/[0-9a-f]{8}\.sos-test-chat\.pages\.dev$/);
      expect(run.stdout).toContain(`✨ Deployment complete! Take a peek over at ${deployment.url}\n`);
      // Production has no alias, so wrangler prints none.
      expect(run.stdout).not.toContain("Deployment alias URL");
      expect(deployment).toMatchObject({ branch: "main", environment: "production" });

      expect(emulator.pagesFiles(project)).toEqual(files);
      expect(Object.entries(deployment.manifest).sort()).toEqual(
        [...files].map(([path, content]) => [path, pagesFileHash(content, path)]).sort(),
      );
      expect(deployment.parts.get("_headers")?.toString()).toBe(headersFile);
      expect([...deployment.parts.keys()]).toEqual(["_headers"]);

      // Every file went up exactly once, in wrangler's buckets, under the project's upload JWT.
      const uploaded = emulator.pagesUploads.flatMap((upload) => upload.hashes).sort();
      expect(uploaded).toEqual(hashesOf(files));
      expect(emulator.pagesUploads.every((upload) => upload.project === project)).toBe(true);

      // The order of wrangler 4.86's calls (src/pages/deploy.ts, src/api/pages/deploy.ts, src/pages/upload.ts).
      const projectPath = `/accounts/${accountId}/pages/projects/${project}`;
      const calls = emulator.requests.map((request) => `${request.method} ${request.path}`);
      expect(calls).toEqual([
        `GET ${projectPath}`,
        `GET ${projectPath}`,
        `GET ${projectPath}/upload-token`,
        `GET ${projectPath}/upload-token`,
        "POST /pages/assets/check-missing",
        ...Array.from({ length: uploadRequests() }, () => "POST /pages/assets/upload"),
        "POST /pages/assets/upsert-hashes",
        `POST ${projectPath}/deployments`,
        `GET ${projectPath}/deployments/${deployment.id}`,
      ]);
      expect(uploadRequests()).toBe(3);
      const checked = emulator.requests.find((request) => request.path === "/pages/assets/check-missing");
      expect((checked?.body as { hashes: string[] }).hashes.sort()).toEqual(hashesOf(files));
    },
    wranglerTimeout,
  );

  it(
    "deploys the same folder again without uploading a single blob",
    async () => {
      const first = emulator.pagesDeployment(project);
      emulator.resetRequests();
      const uploadsBefore = emulator.pagesUploads.length;
      const run = await deploy("--branch", "main");
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("✨ Success! Uploaded 0 files (4 already uploaded)");
      expect(uploadRequests()).toBe(0);
      expect(emulator.pagesUploads.length).toBe(uploadsBefore);

      const second = emulator.pagesDeployment(project);
      expect(second.id).not.toBe(first.id);
      expect(second.manifest).toEqual(first.manifest);
      expect(run.stdout).toContain(`Take a peek over at ${second.url}\n`);
      expect(emulator.pagesFiles(project)).toEqual(files);
    },
    wranglerTimeout,
  );

  it(
    "uploads only the file that changed, and the new deployment serves it while the old one keeps its own",
    async () => {
      const before = emulator.pagesDeployment(project);
      const uploadsBefore = emulator.pagesUploads.length;
      const changed = Buffer.from('document.title = "SOS v2";\n');
      site.writeFile("assets/app.js", changed);

      const run = await deploy("--branch", "main");
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("✨ Success! Uploaded 1 files (3 already uploaded)");
      expect(emulator.pagesUploads.slice(uploadsBefore)).toEqual([
        { project, hashes: [pagesFileHash(changed, "assets/app.js")] },
      ]);

      const expected = new Map(files).set("/assets/app.js", changed);
      expect(emulator.pagesFiles(project)).toEqual(expected);
      expect(emulator.pagesFiles(project, before.id)).toEqual(files);
    },
    wranglerTimeout,
  );

  it(
    "deploys another branch as a preview with its alias, leaving production as it was",
    async () => {
      const production = emulator.pagesDeployment(project);
      const run = await deploy("--branch", "feature/new-ui");
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("✨ Success! Uploaded 0 files (4 already uploaded)");
      expect(run.stdout).toContain("✨ Deployment alias URL: https://feature-new-ui.sos-test-chat.pages.dev");
      expect(emulator.pagesDeployment(project).id).toBe(production.id);

      const list = await site.run("pages", "deployment", "list", "--project-name", project, "--json");
      expect(list.code).toBe(0);
      const rows = JSON.parse(list.stdout) as { Environment: string; Branch: string; Deployment: string }[];
      expect(rows.map((row) => [row.Environment, row.Branch])).toEqual([
        ["Preview", "feature/new-ui"],
        ["Production", "main"],
        ["Production", "main"],
        ["Production", "main"],
      ]);
      expect(rows[1]!.Deployment).toBe(production.url);
    },
    wranglerTimeout,
  );

  it(
    "creates and lists a project with wrangler pages project",
    async () => {
      const created = await site.run("pages", "project", "create", "sos-other-chat", "--production-branch", "main");
      expect(created.code).toBe(0);
      expect(created.stdout).toContain(
        "✨ Successfully created the 'sos-other-chat' project. It will be available at https://sos-other-chat.pages.dev/ once you create your first deployment.",
      );
      const list = await site.run("pages", "project", "list", "--json");
      expect(list.code).toBe(0);
      const rows = JSON.parse(list.stdout) as Record<string, string>[];
      expect(rows.map((row) => [row["Project Name"], row["Project Domains"], row["Git Provider"]])).toEqual([
        [project, "sos-test-chat.pages.dev", "No"],
        ["sos-other-chat", "sos-other-chat.pages.dev", "No"],
      ]);
    },
    wranglerTimeout,
  );
});
