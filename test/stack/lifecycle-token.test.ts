import { describe, expect, it } from "vitest";
import { useCloudflareEmulator } from "../support/use-cloudflare-emulator";
import { useLifecycleProgram } from "./lifecycle-program";
import { FakeEngine, type Operation } from "./fake-engine";

/**
 * A rotated API token, and a Pages project after many upgrades, over a stack's life: the program, its
 * serialized dynamic providers and the emulator.
 */

const accountId = "0123456789abcdef0123456789abcdef";
const oldToken = "lifecycle-token-before";
const newToken = "lifecycle-token-after";
const emulator = useCloudflareEmulator({ token: oldToken, accountId });

const program = useLifecycleProgram("rotate", accountId);

function ops(operation: Operation): Record<string, string> {
  return Object.fromEntries(operation.steps.map((step) => [step.name, step.op]));
}

describe("a rotated API token", () => {
  it("reaches every dynamic resource as an update that calls nothing; refresh and destroy then use it", async () => {
    const engine = new FakeEngine(emulator(), "rotate");
    const settings = { "sos:retainData": "false" };
    const first = await engine.up(program("rotate", { ...settings, "cloudflare:apiToken": oldToken }));
    expect(first.error, first.error).toBeUndefined();

    // The old token is rolled in the dashboard; the stack is given the new one.
    emulator().addToken(newToken);
    emulator().revokeToken(oldToken);
    const stale = await engine.refresh();
    expect(stale.error).toMatch(/^403 .*Authentication error \[code 10000\]/);

    emulator().resetRequests();
    const rotated = await engine.up(program("rotate", { ...settings, "cloudflare:apiToken": newToken }));
    expect(rotated.error, rotated.error).toBeUndefined();
    expect(ops(rotated)).toMatchObject({
      "sos-cloudflare": "update",
      "sos-names": "update",
      "sos-workers-dev-subdomain": "update",
      "sos-migrations": "update",
      "sos-frontend": "update",
      "sos-memory": "same",
      "sos-worker": "same",
    });
    // Nothing was asked of Cloudflare: the update only stores the token.
    expect(emulator().requests).toEqual([]);
    for (const name of ["sos-names", "sos-workers-dev-subdomain", "sos-migrations", "sos-frontend"]) {
      expect(engine.entry(name)!.outputs.apiToken, name).toBe(newToken);
    }

    const refreshed = await engine.refresh();
    expect(refreshed.error, refreshed.error).toBeUndefined();
    const destroyed = await engine.destroy();
    expect(destroyed.error, destroyed.error).toBeUndefined();
    expect(
      emulator()
        .d1Databases()
        .some((database) => database.name === "sos-rotate-memory"),
    ).toBe(false);
    expect(emulator().hasPagesProject("sos-rotate-chat")).toBe(false);
    expect(destroyed.diagnostics).toEqual([]);
  });
});

describe("a Pages project after many upgrades", () => {
  it("is pruned to the last ten deployments on the next up, so destroy can delete it", async () => {
    const engine = new FakeEngine(emulator(), "pages");
    const values = { "cloudflare:apiToken": newToken, "sos:workersDevSubdomain": "sos-test" };
    const first = await engine.up(program("pages", values));
    expect(first.error, first.error).toBeUndefined();
    // What the earlier release left: a production deployment per upgrade, never deleted (105 in all).
    const project = "sos-pages-chat";
    const manifest = emulator().pagesDeployment(project).manifest;
    for (let i = 0; i < 104; i++) {
      const form = new FormData();
      form.set("manifest", JSON.stringify(manifest));
      form.set("branch", "main");
      const response = await fetch(
        `${emulator().baseUrl}/accounts/${accountId}/pages/projects/${project}/deployments`,
        {
          method: "POST",
          headers: { authorization: `Bearer ${newToken}` },
          body: form,
        },
      );
      expect(response.status).toBe(200);
    }
    expect(emulator().pagesDeployments(project)).toHaveLength(105);
    const frontend = engine.entry("sos-frontend")!;
    // Its state names the last of them, and knows no kept-deployments count.
    frontend.outputs.deploymentId = emulator().pagesDeployment(project).id;
    delete frontend.inputs.keepDeployments;
    delete frontend.outputs.keepDeployments;

    // The first up of this release: the count is new, so the frontend updates, deploying nothing.
    const upgrade = await engine.up(program("pages", values));
    expect(upgrade.error, upgrade.error).toBeUndefined();
    expect(ops(upgrade)["sos-frontend"]).toBe("update");
    const kept = emulator().pagesDeployments(project);
    expect(kept).toHaveLength(10);
    expect(kept.at(-1)!.id).toBe(frontend.outputs.deploymentId);

    const destroyed = await engine.destroy();
    expect(destroyed.error, destroyed.error).toBeUndefined();
    expect(emulator().hasPagesProject(project)).toBe(false);
  });

  it("without pruning, destroy fails as Cloudflare fails it (the emulator refuses the project)", async () => {
    const engine = new FakeEngine(emulator(), "unpruned");
    const first = await engine.up(
      program("unpruned", { "cloudflare:apiToken": newToken, "sos:workersDevSubdomain": "sos-test" }),
    );
    expect(first.error, first.error).toBeUndefined();
    const project = "sos-unpruned-chat";
    const manifest = emulator().pagesDeployment(project).manifest;
    for (let i = 0; i < 101; i++) {
      const form = new FormData();
      form.set("manifest", JSON.stringify(manifest));
      form.set("branch", "main");
      await fetch(`${emulator().baseUrl}/accounts/${accountId}/pages/projects/${project}/deployments`, {
        method: "POST",
        headers: { authorization: `Bearer ${newToken}` },
        body: form,
      });
    }
    // The earlier release's frontend deleted nothing: its state, run by that code.
    const frontend = engine.entry("sos-frontend")!;
    frontend.outputs.__provider = "exports.handler = () => ({ async delete() {} });";
    const destroyed = await engine.destroy();
    expect(destroyed.error).toContain("Your project has too many deployments to be deleted");
    expect(emulator().hasPagesProject(project)).toBe(true);
  });
});
