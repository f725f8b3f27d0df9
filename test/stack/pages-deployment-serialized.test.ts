import * as pulumi from "@pulumi/pulumi";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { PagesDeploymentState } from "../../stack/pages-deployment";
import type { PagesManifest } from "../../stack/pages-manifest";
import { startCloudflareEmulator, type CloudflareEmulator } from "../support/cloudflare-emulator";
import { installPulumiMocks, withoutSecrets, type RegisteredResource } from "../support/pulumi-mocks";
import { serializedProvider, type SerializedProvider } from "../support/serialized-provider";

/**
 * The engine never runs the provider in the program's process: it serializes the provider's code into
 * state and loads that text in a provider host, from the project folder. So does this test, and the
 * upload's retries and JWT refresh are checked there, through a proxy that answers some calls with
 * the failures Cloudflare can give.
 */

const accountId = "0123456789abcdef0123456789abcdef";
const token = "serialized-pages-token";
let emulator: CloudflareEmulator;
let registered: RegisteredResource[];
let faulty: FaultyProxy;
const providers: SerializedProvider[] = [];
const folders: string[] = [];

const site: Record<string, string | Buffer> = {
  "index.html": '<!doctype html><script type="module" src="/app.js"></script>\n',
  "app.js": 'fetch("/config.json");\n',
  "config.json": '{"workerUrl":"https://sos-acme-worker.acme.workers.dev"}\n',
  "favicon.ico": Buffer.from(Array.from({ length: 256 }, (_, byte) => 255 - byte)),
};

/** The next call to `method path` gets this answer instead of the emulator's, or runs `before` first. */
interface Fault {
  method: string;
  path: string;
  status?: number;
  errors?: { code: number; message: string }[];
  result?: unknown;
  /** Runs before the call is forwarded (which it then is). */
  before?: () => void;
}

/** Forwards to the emulator, except for the next call matching a queued fault. */
interface FaultyProxy {
  baseUrl: string;
  faults: Fault[];
  /** Every call as the provider saw it answered. */
  log: string[];
  close(): Promise<void>;
}

async function startFaultyProxy(upstream: string): Promise<FaultyProxy> {
  const faults: Fault[] = [];
  const log: string[] = [];
  const origin = new URL(upstream).origin;
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      void (async () => {
        const method = incoming.method ?? "GET";
        const apiPath = new URL(incoming.url ?? "/", origin).pathname.replace(/^\/client\/v4/, "");
        const index = faults.findIndex((fault) => fault.method === method && fault.path === apiPath);
        const fault = index >= 0 ? faults.splice(index, 1)[0]! : undefined;
        fault?.before?.();
        if (fault?.status !== undefined) {
          const success = fault.status < 400;
          log.push(`${method} ${apiPath} ${fault.status}`);
          outgoing.writeHead(fault.status, { "content-type": "application/json" });
          outgoing.end(
            JSON.stringify({ success, errors: fault.errors ?? [], messages: [], result: fault.result ?? null }),
          );
          return;
        }
        const body = Buffer.concat(chunks);
        const answer = await fetch(`${origin}${incoming.url}`, {
          method,
          headers: {
            ...(incoming.headers.authorization ? { authorization: incoming.headers.authorization } : {}),
            ...(incoming.headers["content-type"] ? { "content-type": incoming.headers["content-type"] } : {}),
          },
          body: body.length > 0 ? body : undefined,
        });
        log.push(`${method} ${apiPath} ${answer.status}`);
        outgoing.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
        outgoing.end(Buffer.from(await answer.arrayBuffer()));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/client/v4`,
    faults,
    log,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function buildFolder(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "sos-pages-serialized-"));
  folders.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

function served(files: Record<string, string | Buffer>): Map<string, Buffer> {
  return new Map(
    Object.entries(files)
      .map(([name, content]) => [`/${name}`, Buffer.from(content)] as const)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

/** Declares a PagesDeployment as the stack does and returns its serialized provider. */
async function declare(name: string, projectName: string, buildDir: string): Promise<SerializedProvider> {
  const { PagesDeployment } = await import("../../stack/pages-deployment.js");
  const resource = new PagesDeployment(name, {
    accountId,
    projectName,
    apiToken: pulumi.secret(token),
    buildDir: pulumi.output(buildDir),
  });
  await new Promise((resolve) => resource.urn.apply(resolve));
  const registration = registered.find((entry) => entry.name === name)!;
  expect(registration.additionalSecretOutputs).toEqual(["apiToken"]);
  const provider = serializedProvider(registration);
  providers.push(provider);
  // Nothing but the secret input holds the token: not the provider's code, not any other input.
  expect(provider.text).not.toContain(token);
  expect(JSON.stringify(withoutSecrets(registration.inputs))).not.toContain(token);
  return provider;
}

type Run = { result?: unknown; error?: string };

beforeAll(async () => {
  registered = await installPulumiMocks("pages-serialized");
  emulator = await startCloudflareEmulator({ token, accountId });
  faulty = await startFaultyProxy(emulator.baseUrl);
});

afterAll(async () => {
  await faulty?.close();
  await emulator?.close();
  providers.forEach((provider) => provider.remove());
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

beforeEach(() => {
  faulty.faults.splice(0);
  faulty.log.splice(0);
  emulator.resetRequests();
});

describe("Pages deployment provider, serialized as the engine does it", () => {
  it("reads the manifest in the program, then deploys and diffs from a fresh process", async () => {
    const { readPagesManifest } = await import("../../stack/pages-manifest.js");
    const project = emulator.createPagesProject("serialized-chat").name;
    const dir = buildFolder(site);
    const provider = await declare("serialized-pages", project, dir);
    const inputs = provider.inputs as { apiToken: string; files: PagesManifest; buildDir: string; branch: string };
    expect(inputs.apiToken).toBe(token);
    expect(inputs.buildDir).toBe(dir);
    expect(inputs.branch).toBe("main");
    expect(inputs.files).toEqual(readPagesManifest(dir));
    // The hash library is loaded in the provider host, from the project's node_modules.
    expect(provider.text).toContain('require("@noble/hashes/blake3")');
    const env = { CLOUDFLARE_API_BASE_URL: emulator.baseUrl };

    const created = (await provider.run("create", [inputs], env)) as Run;
    expect(created.error).toBeUndefined();
    const { id, outs } = created.result as { id: string; outs: PagesDeploymentState };
    expect(id).toBe(`${accountId}/${project}`);
    const live = emulator.pagesDeployment(project);
    expect(outs.deploymentId).toBe(live.id);
    expect(outs.url).toBe(live.url);
    expect(emulator.pagesFiles(project)).toEqual(served(site));
    expect(emulator.pagesUploads.flatMap((upload) => upload.hashes).sort()).toEqual(
      Object.values(inputs.files)
        .map((file) => file.hash)
        .sort(),
    );

    const same = (await provider.run("diff", [id, outs, inputs], env)) as Run;
    expect(same).toEqual({ result: { changes: false } });

    const edited = buildFolder({ ...site, "app.js": 'fetch("/config.json").then(start);\n' });
    const next = { ...inputs, buildDir: edited, files: readPagesManifest(edited) };
    const upgrade = (await provider.run("diff", [id, outs, next], env)) as Run;
    expect(upgrade).toEqual({ result: { changes: true } });
    const updated = (await provider.run("update", [id, outs, next], env)) as Run;
    expect(updated.error).toBeUndefined();
    expect(emulator.pagesFiles(project).get("/app.js")?.toString()).toBe('fetch("/config.json").then(start);\n');
  });

  it("retries a rate limit and a server error, and fetches a new upload JWT when one is refused", async () => {
    const project = emulator.createPagesProject("retried-chat").name;
    // Blobs are kept per account: a file no earlier test uploaded, so there is something to upload.
    const files = { ...site, "build.txt": `${project}\n` };
    const dir = buildFolder(files);
    const provider = await declare("retried-pages", project, dir);
    const projectPath = `/accounts/${accountId}/pages/projects/${project}`;
    const failure = (method: string, apiPath: string, status: number, code: number, message: string) =>
      faulty.faults.push({ method, path: apiPath, status, errors: [{ code, message }] });
    failure("POST", "/pages/assets/check-missing", 503, 10001, "Service unavailable");
    failure("POST", "/pages/assets/upload", 429, 971, "Please wait and consider throttling your request speed");
    failure("POST", "/pages/assets/upload", 401, 8000013, "Authorization failed");
    failure("POST", `${projectPath}/deployments`, 500, 8000000, "An unknown error occurred");

    const created = (await provider.run("create", [provider.inputs], {
      CLOUDFLARE_API_BASE_URL: faulty.baseUrl,
    })) as Run;
    expect(created.error).toBeUndefined();
    expect(faulty.log).toEqual([
      `GET ${projectPath}/upload-token 200`,
      "POST /pages/assets/check-missing 503",
      "POST /pages/assets/check-missing 200",
      "POST /pages/assets/upload 429",
      "POST /pages/assets/upload 401",
      `GET ${projectPath}/upload-token 200`,
      "POST /pages/assets/upload 200",
      "POST /pages/assets/upsert-hashes 200",
      `POST ${projectPath}/deployments 500`,
      `POST ${projectPath}/deployments 200`,
      // The production deployments, listed to keep the last ten.
      `GET ${projectPath}/deployments 200`,
    ]);
    expect(emulator.pagesUploads.at(-1)?.hashes).toHaveLength(1);
    expect(emulator.pagesFiles(project)).toEqual(served(files));
  });

  it("gives up at once on an error a retry cannot fix, reading like the rest of the project", async () => {
    const project = emulator.createPagesProject("refused-chat").name;
    const provider = await declare("refused-pages", project, buildFolder({ ...site, "build.txt": `${project}\n` }));
    faulty.faults.push({
      method: "POST",
      path: "/pages/assets/upload",
      status: 413,
      errors: [{ code: 8000000, message: "Request entity too large" }],
    });
    const created = (await provider.run("create", [provider.inputs], {
      CLOUDFLARE_API_BASE_URL: faulty.baseUrl,
    })) as Run;
    expect(created.error).toBe(
      `413 upload assets to Pages project '${project}': Request entity too large [code 8000000]`,
    );
    expect(faulty.log.filter((line) => line.startsWith("POST /pages/assets/upload"))).toEqual([
      "POST /pages/assets/upload 413",
    ]);
    expect(() => emulator.pagesDeployment(project)).toThrow(/has no deployment/);
  });

  it("replaces an upload JWT about to expire before using it, and keeps to the file count it allows", async () => {
    const project = emulator.createPagesProject("expiring-chat").name;
    const provider = await declare("expiring-pages", project, buildFolder({ ...site, "build.txt": `${project}\n` }));
    const projectPath = `/accounts/${accountId}/pages/projects/${project}`;
    const jwt = (claims: object) =>
      ["{}", JSON.stringify(claims), "signature"].map((part) => Buffer.from(part).toString("base64url")).join(".");
    const now = Math.floor(Date.now() / 1000);
    const env = { CLOUDFLARE_API_BASE_URL: faulty.baseUrl };
    faulty.faults.push({
      method: "GET",
      path: `${projectPath}/upload-token`,
      status: 200,
      result: { jwt: jwt({ exp: now + 5 }) },
    });

    const created = (await provider.run("create", [provider.inputs], env)) as Run;
    expect(created.error).toBeUndefined();
    expect(faulty.log.slice(0, 3)).toEqual([
      `GET ${projectPath}/upload-token 200`,
      `GET ${projectPath}/upload-token 200`,
      "POST /pages/assets/check-missing 200",
    ]);

    faulty.faults.push({
      method: "GET",
      path: `${projectPath}/upload-token`,
      status: 200,
      result: { jwt: jwt({ exp: now + 1800, max_file_count_allowed: 3 }) },
    });
    const refused = (await provider.run("update", ["id", created.result, provider.inputs], env)) as Run;
    expect(refused.error).toBe(
      `Pages project '${project}' takes at most 3 files in a deployment; ${String(provider.inputs.buildDir)} holds 5.`,
    );
  });

  it("refuses a file edited while the upload runs, and creates no deployment", async () => {
    const project = emulator.createPagesProject("racing-chat").name;
    const dir = buildFolder({ ...site, "build.txt": `${project}\n` });
    const provider = await declare("racing-pages", project, dir);
    // The folder still matches when the provider checks it; the file changes before its bucket is read.
    faulty.faults.push({
      method: "POST",
      path: "/pages/assets/check-missing",
      before: () => writeFileSync(path.join(dir, "build.txt"), "edited\n"),
    });
    const created = (await provider.run("create", [provider.inputs], {
      CLOUDFLARE_API_BASE_URL: faulty.baseUrl,
    })) as Run;
    expect(created.error).toBe(
      `The build in ${dir} changed since the preview: /build.txt (changed). Nothing was deployed; run \`pulumi up\` again.`,
    );
    expect(faulty.log.some((line) => line.includes("/deployments"))).toBe(false);
    expect(() => emulator.pagesDeployment(project)).toThrow(/has no deployment/);
  });
});
