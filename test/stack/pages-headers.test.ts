import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildFrontend } from "../../stack/bundle-frontend";
import { pagesDeploymentProvider, type PagesDeploymentInputs } from "../../stack/pages-deployment";
import { readPagesHeaders } from "../../stack/pages-headers";
import { readPagesManifest } from "../../stack/pages-manifest";
import { useCloudflareEmulator } from "../support/use-cloudflare-emulator";

/**
 * The chat app's `_headers` (its Content-Security-Policy with frame-ancestors, nosniff, no referrer)
 * reaches Pages the way `wrangler pages deploy` sends it: a `_headers` part of the deployment's form,
 * not an asset. Checked against the Cloudflare API emulator, which records the form's parts.
 */
const accountId = "0123456789abcdef0123456789abcdef";
const token = "pages-headers-test-token";
const emulator = useCloudflareEmulator({ token, accountId });
const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function builtApp(workerUrl: string): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "sos-pages-headers-")), "site");
  folders.push(path.dirname(dir));
  buildFrontend(dir, { workerUrl });
  return dir;
}

function inputsFor(dir: string, projectName: string): PagesDeploymentInputs {
  return {
    accountId,
    projectName,
    apiToken: token,
    buildDir: dir,
    branch: "main",
    files: readPagesManifest(dir),
    keepDeployments: 10,
    headers: readPagesHeaders(dir),
  };
}

describe("the Pages deployment of the chat app", () => {
  it("sends the build's _headers with the deployment, and not as an asset", async () => {
    const dir = builtApp("https://sos-dev-worker.example.workers.dev");
    emulator().createPagesProject("headers-first");
    const outs = (await pagesDeploymentProvider.create!(inputsFor(dir, "headers-first"))).outs!;
    const deployment = emulator().pagesDeployment("headers-first", outs.deploymentId);
    const sent = deployment.parts.get("_headers")?.toString("utf8");
    expect(sent).toBe(readPagesHeaders(dir));
    expect(sent).toContain("frame-ancestors 'none'");
    expect(sent).toContain("X-Content-Type-Options: nosniff");
    expect(sent).toContain("Referrer-Policy: no-referrer");
    expect(Object.keys(deployment.manifest)).not.toContain("/_headers");
  });

  it("deploys again when only _headers changes, and sends the new one", async () => {
    const dir = builtApp("https://sos-dev-worker.example.workers.dev");
    emulator().createPagesProject("headers-second");
    const olds = inputsFor(dir, "headers-second");
    const state = (await pagesDeploymentProvider.create!(olds)).outs!;
    expect((await pagesDeploymentProvider.diff!("id", state, inputsFor(dir, "headers-second"))).changes).toBe(false);

    writeFileSync(path.join(dir, "_headers"), `${readPagesHeaders(dir)}  X-Extra: 1\n`);
    const news = inputsFor(dir, "headers-second");
    expect(news.files).toEqual(olds.files);
    expect((await pagesDeploymentProvider.diff!("id", state, news)).changes).toBe(true);
    const updated = await pagesDeploymentProvider.update!("id", state, news);
    expect(updated.outs!.deploymentId).not.toBe(state.deploymentId);
    expect(
      emulator().pagesDeployment("headers-second", updated.outs!.deploymentId).parts.get("_headers")?.toString(),
    ).toContain("X-Extra: 1");
  });

  it("reads no _headers from a build without one", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sos-pages-plain-"));
    folders.push(dir);
    expect(readPagesHeaders(dir)).toBe("");
  });
});
