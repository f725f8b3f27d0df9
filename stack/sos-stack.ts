import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as path from "node:path";
import { bundleWorker, writeWorkerBundle, type WorkerBundle } from "./bundle";
import { buildFrontend } from "./bundle-frontend";
import { getWorkersDevSubdomain } from "./cloudflare-api";
import type { StackConfig } from "./config";
import { D1Migrations } from "./d1-migrations";
import { readMigrationFiles } from "./migration-plan";
import { PagesDeployment } from "./pages-deployment";
import { RegistryListing } from "./registry-listing";
import { projectRoot, schemaDir, workerBundleFile } from "./paths";
import { workerBindings } from "./worker-bindings";

/** The Workers runtime date the worker is written against; raise it deliberately, with a test run. */
export const compatibilityDate = "2026-04-01";
/** Once a day, at a quiet minute: the opt-in heartbeat and telemetry. */
export const dailyCron = "17 3 * * *";
/** request.signal aborts when the client goes away, so a dropped chat stops its model call. */
export const compatibilityFlags = ["enable_request_signal"];

export interface SosStackArgs {
  /** The validated stack configuration (stack/config.ts). */
  config: StackConfig;
  /** The bundled worker; bundled from worker/ when omitted. */
  worker?: WorkerBundle;
}

/**
 * One tenant's SOS deployment: D1 memory, KV sessions, the worker and its workers.dev route, the
 * Pages project of the chat frontend, and the agent key.
 */
export class SosStack extends pulumi.ComponentResource {
  readonly workerUrl: pulumi.Output<string>;
  readonly pagesUrl: pulumi.Output<string>;
  readonly databaseId: pulumi.Output<string>;
  readonly kvNamespaceId: pulumi.Output<string>;
  readonly agentId: pulumi.Output<string>;
  readonly agentKey: pulumi.Output<string>;

  private readonly config: StackConfig;
  private readonly provider: cloudflare.Provider;

  constructor(name: string, args: SosStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sos:index:SosStack", name, {}, opts);
    this.config = args.config;
    this.provider = this.createProvider(name);

    const database = this.createDatabase(name);
    const migrations = this.createMigrations(name, database);
    const sessions = this.createSessionNamespace(name);
    const agentKey = this.createAgentKey(name);
    const pages = this.createPagesProject(name);
    const pagesOrigin = pulumi.interpolate`https://${pages.subdomain}`;
    // The worker's address follows from its name: the listing (which the worker binds) needs it first.
    const workerUrl = pulumi.interpolate`https://${this.config.prefix}-worker.${this.workersDevSubdomain()}.workers.dev`;
    const listing = this.config.yellowPages ? this.createListing(name, workerUrl) : undefined;
    const script = this.createWorker(
      name,
      args.worker ?? bundleWorker(),
      {
        databaseId: database.id,
        kvNamespaceId: sessions.id,
        agentKey,
        allowedOrigins: pulumi.output(pagesOrigin).apply((origin) => [origin, ...this.config.allowedOrigins]),
        ...(listing && { registryToken: listing.token }),
      },
      migrations,
    );
    const route = this.createWorkersDevRoute(name, script);
    if (this.config.yellowPages || this.config.telemetry) this.createDailyTrigger(name, script);

    // The output waits for the workers.dev route, so it is only reported once the URL answers.
    this.workerUrl = pulumi.all([route.scriptName, workerUrl]).apply(([, url]) => url);
    const frontend = this.createFrontendDeployment(name, pages, workerUrl, route);
    // Reported once the app is deployed there.
    this.pagesUrl = pulumi.all([frontend.deploymentId, pagesOrigin]).apply(([, origin]) => origin);
    this.databaseId = database.id;
    this.kvNamespaceId = sessions.id;
    this.agentId = pulumi.output(this.config.agentId);
    this.agentKey = pulumi.secret(agentKey);
    this.registerOutputs({
      workerUrl: this.workerUrl,
      pagesUrl: this.pagesUrl,
      databaseId: this.databaseId,
      kvNamespaceId: this.kvNamespaceId,
      agentId: this.agentId,
      agentKey: this.agentKey,
    });
  }

  /** An explicit provider, so each tenant stack uses its own account and token. */
  private createProvider(name: string): cloudflare.Provider {
    return new cloudflare.Provider(`${name}-cloudflare`, { apiToken: this.config.apiToken }, { parent: this });
  }

  private childOptions(extra?: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions {
    return { parent: this, provider: this.provider, ...extra };
  }

  /** Memories live here: kept on delete and on replacement while retainData is true. */
  private createDatabase(name: string): cloudflare.D1Database {
    return new cloudflare.D1Database(
      `${name}-memory`,
      { accountId: this.config.accountId, name: `${this.config.prefix}-memory` },
      this.childOptions({ retainOnDelete: this.config.retainData }),
    );
  }

  /**
   * schema/ applied before the worker is updated: the new code may rely on it, and the old code
   * keeps working because migrations are additive.
   */
  private createMigrations(name: string, database: cloudflare.D1Database): D1Migrations {
    return new D1Migrations(
      `${name}-migrations`,
      {
        accountId: this.config.accountId,
        databaseId: database.id,
        databaseName: database.name,
        apiToken: this.config.apiToken,
        files: readMigrationFiles(schemaDir),
      },
      { parent: this },
    );
  }

  private createSessionNamespace(name: string): cloudflare.WorkersKvNamespace {
    return new cloudflare.WorkersKvNamespace(
      `${name}-session`,
      { accountId: this.config.accountId, title: `${this.config.prefix}-session` },
      this.childOptions(),
    );
  }

  /** The configured key, or one generated once and kept (encrypted) in state. */
  private createAgentKey(name: string): pulumi.Output<string> {
    if (this.config.agentKey) return this.config.agentKey;
    const generated = new random.RandomPassword(`${name}-agent-key`, { length: 48, special: false }, { parent: this });
    return generated.result;
  }

  /** A direct-upload project: no git source, the stack uploads the frontend build. */
  private createPagesProject(name: string): cloudflare.PagesProject {
    return new cloudflare.PagesProject(
      `${name}-chat`,
      { accountId: this.config.accountId, name: `${this.config.prefix}-chat`, productionBranch: "main" },
      this.childOptions(),
    );
  }

  /**
   * The bundle goes to a file named relative to the project, and only its sha256 into state, so a
   * no-op `pulumi up` compares two hashes and shows no change.
   */
  private createWorker(
    name: string,
    bundle: WorkerBundle,
    targets: Parameters<typeof workerBindings>[1],
    migrations: D1Migrations,
  ): cloudflare.WorkersScript {
    writeWorkerBundle(bundle);
    return new cloudflare.WorkersScript(
      `${name}-worker`,
      {
        accountId: this.config.accountId,
        scriptName: `${this.config.prefix}-worker`,
        mainModule: "worker.js",
        contentFile: workerBundleFile,
        contentSha256: bundle.sha256,
        ...(bundle.wasm.length > 0 && { files: wasmFiles(bundle) }),
        compatibilityDate,
        compatibilityFlags,
        bindings: workerBindings(this.config, targets),
      },
      this.childOptions({ dependsOn: [migrations] }),
    );
  }

  private createWorkersDevRoute(name: string, script: cloudflare.WorkersScript): cloudflare.WorkersScriptSubdomain {
    return new cloudflare.WorkersScriptSubdomain(
      `${name}-workers-dev`,
      { accountId: this.config.accountId, scriptName: script.scriptName, enabled: true, previewsEnabled: false },
      this.childOptions(),
    );
  }

  /**
   * The chat app, built with the worker's URL in its config.json (so the build is per tenant) and
   * uploaded to the Pages project; `pulumi preview --diff` names each file that changes.
   */
  private createFrontendDeployment(
    name: string,
    pages: cloudflare.PagesProject,
    workerUrl: pulumi.Output<string>,
    route: cloudflare.WorkersScriptSubdomain,
  ): PagesDeployment {
    const buildDir = path.join(projectRoot, ".sos", "build", `frontend-${this.config.prefix}`);
    const built = workerUrl.apply((url) => {
      buildFrontend(buildDir, { workerUrl: url });
      return buildDir;
    });
    return new PagesDeployment(
      `${name}-frontend`,
      { accountId: this.config.accountId, projectName: pages.name, apiToken: this.config.apiToken, buildDir: built },
      { parent: this, dependsOn: [pages, route] },
    );
  }

  /** Opt-in only: the public profile in the Yellow Pages registry; removed when the opt-in is turned off. */
  private createListing(name: string, workerUrl: pulumi.Output<string>): RegistryListing {
    return new RegistryListing(
      `${name}-yellow-pages`,
      {
        registryUrl: this.config.yellowPagesRegistryUrl,
        agentId: this.config.agentId,
        name: this.config.yellowPagesName || this.config.agentName,
        skills: this.config.yellowPagesSkills,
        callbackUrl: this.config.yellowPagesCallbackUrl || pulumi.interpolate`${workerUrl}/api/contact`,
      },
      { parent: this },
    );
  }

  /** Opt-in only: the daily run of the worker's `scheduled` handler (heartbeat, telemetry). */
  private createDailyTrigger(name: string, script: cloudflare.WorkersScript): cloudflare.WorkersCronTrigger {
    return new cloudflare.WorkersCronTrigger(
      `${name}-daily`,
      { accountId: this.config.accountId, scriptName: script.scriptName, schedules: [{ cron: dailyCron }] },
      this.childOptions(),
    );
  }

  /** The configured workers.dev subdomain, or the account's own, read with the stack's token. */
  private workersDevSubdomain(): pulumi.Output<string> {
    if (this.config.workersDevSubdomain) return pulumi.output(this.config.workersDevSubdomain);
    // The token is secret; the subdomain read with it is not.
    return pulumi.unsecret(this.config.apiToken.apply((token) => getWorkersDevSubdomain(token, this.config.accountId)));
  }
}

/** The worker's WebAssembly modules as parts of its upload, each named as worker.js imports it. */
function wasmFiles(bundle: WorkerBundle): Record<string, cloudflare.types.input.WorkersScriptFiles> {
  return Object.fromEntries(
    bundle.wasm.map((module) => [
      module.name,
      {
        contentBase64: Buffer.from(module.bytes).toString("base64"),
        contentType: "application/wasm",
        contentSha256: module.sha256,
      },
    ]),
  );
}
