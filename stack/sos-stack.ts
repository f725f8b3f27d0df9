import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { bundleWorker, writeWorkerBundle, type WorkerBundle } from "./bundle";
import { buildFrontend } from "./bundle-frontend";
import type { StackConfig } from "./config";
import { D1Migrations } from "./d1-migrations";
import { KeptData } from "./kept-data";
import { readMigrationFiles } from "./migration-plan";
import { NameGuard } from "./name-guard";
import { childName, legacyChildren, resourceNames, type Child, type ResourceNames } from "./names";
import { PagesDeployment } from "./pages-deployment";
import { RegistryListing } from "./registry-listing";
import { schemaDir, workerBundleFile } from "./paths";
import { workerBindings } from "./worker-bindings";
import { WorkersDevSubdomain } from "./workers-dev-subdomain";

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

/** The component's type: its URN, and so every child's, carries it. */
export const sosStackType = "sos:index:SosStack";

/**
 * One tenant's SOS deployment: D1 memory, KV sessions, the worker and its workers.dev route, the
 * Pages project of the chat frontend, and the agent key.
 *
 * Logical names come from the component's name (index.ts gives the fixed `sos`), never from settings;
 * a stack deployed when they came from the prefix finds its resources through `aliases`.
 */
export class SosStack extends pulumi.ComponentResource {
  readonly workerUrl: pulumi.Output<string>;
  readonly pagesUrl: pulumi.Output<string>;
  readonly databaseId: pulumi.Output<string>;
  readonly kvNamespaceId: pulumi.Output<string>;
  readonly agentId: pulumi.Output<string>;
  readonly agentKey: pulumi.Output<string>;

  private readonly config: StackConfig;
  private readonly names: ResourceNames;
  private readonly provider: cloudflare.Provider;

  constructor(
    private readonly base: string,
    args: SosStackArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    const aliases = [...(opts?.aliases ?? []), ...legacyAlias(base, args.config.prefix)];
    super(sosStackType, base, {}, { ...opts, aliases });
    this.config = args.config;
    this.names = resourceNames(this.config.prefix);
    this.provider = this.createProvider();

    const guard = this.createNameGuard();
    const subdomain = this.workersDevSubdomain();
    const database = this.createDatabase(guard);
    this.createKeptDataNotice(database);
    const migrations = this.createMigrations(database);
    const sessions = this.createSessionNamespace(guard);
    const agentKey = this.createAgentKey();
    const pages = this.createPagesProject(guard);
    const pagesOrigin = pulumi.interpolate`https://${pages.subdomain}`;
    // The worker's address follows from its name: the listing (which the worker binds) needs it first.
    const workerUrl = pulumi.interpolate`https://${this.names.worker}.${subdomain}.workers.dev`;
    const listing = this.config.yellowPages ? this.createListing(workerUrl) : undefined;
    const script = this.createWorker(
      args.worker ?? bundleWorker(),
      {
        databaseId: database.id,
        kvNamespaceId: sessions.id,
        agentKey,
        allowedOrigins: pulumi.output(pagesOrigin).apply((origin) => [origin, ...this.config.allowedOrigins]),
        ...(listing && { registryToken: listing.token }),
      },
      [migrations, guard],
    );
    const route = this.createWorkersDevRoute(script);
    this.createDailyTrigger(script);

    // Reported once the script is uploaded and its workers.dev route enabled. That is all it claims:
    // Cloudflare can take a little longer to serve a new route (`sos status` asks /api/health).
    this.workerUrl = pulumi.all([route.scriptName, script.scriptName, workerUrl]).apply(([, , url]) => url);
    const frontend = this.createFrontendDeployment(pages, workerUrl, route);
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

  /** A child's logical name, and its options: parent, aliases for the name it had before. */
  private child(child: Child, extra: pulumi.CustomResourceOptions = {}): [string, pulumi.CustomResourceOptions] {
    const name = childName(this.base, child);
    const legacy = childName(this.config.prefix, child);
    const aliases = legacy === name || !legacyChildren.has(child) ? [] : [{ name: legacy }];
    return [name, { parent: this, aliases, ...extra }];
  }

  /** A child managed by the stack's own Cloudflare provider. */
  private cloudflareChild(child: Child, extra: pulumi.CustomResourceOptions = {}) {
    return this.child(child, { provider: this.provider, ...extra });
  }

  /** An explicit provider, so each tenant stack uses its own account and token. */
  private createProvider(): cloudflare.Provider {
    const [name, opts] = this.child("provider");
    return new cloudflare.Provider(name, { apiToken: this.config.apiToken }, opts);
  }

  /**
   * First of all: the stack's names are free in the account or adopted (a kept database is named with
   * the config that takes it over), and a deployed stack's prefix does not change unless allowed.
   * Everything that carries a name depends on it.
   */
  private createNameGuard(): NameGuard {
    const [name, opts] = this.child("names");
    return new NameGuard(
      name,
      {
        accountId: this.config.accountId,
        apiToken: this.config.apiToken,
        prefix: this.config.prefix,
        names: this.names,
        adoptDatabaseId: this.config.adoptDatabaseId,
        adoptKvNamespaceId: this.config.adoptKvNamespaceId,
        allowPrefixChange: this.config.allowPrefixChange,
      },
      opts,
    );
  }

  /**
   * Memories live here: kept on delete and on replacement while retainData is true (Pulumi's
   * retainOnDelete: `pulumi destroy` leaves it in the account). Its name is fixed when it is created
   * or adopted: D1 cannot rename a database, and a new name would replace it with an empty one.
   */
  private createDatabase(guard: NameGuard): cloudflare.D1Database {
    const adopt = this.config.adoptDatabaseId;
    const [name, opts] = this.cloudflareChild("database", {
      dependsOn: [guard],
      retainOnDelete: this.config.retainData,
      ignoreChanges: ["name"],
      ...(adopt && { import: `${this.config.accountId}/${adopt}` }),
    });
    return new cloudflare.D1Database(name, { accountId: this.config.accountId, name: this.names.database }, opts);
  }

  /** Says on `pulumi destroy` which database was kept, and the config that comes back to it. */
  private createKeptDataNotice(database: cloudflare.D1Database): KeptData {
    const [name, opts] = this.child("keptData");
    return new KeptData(
      name,
      {
        accountId: this.config.accountId,
        databaseId: database.id,
        databaseName: database.name,
        prefix: this.config.prefix,
        retained: this.config.retainData,
      },
      opts,
    );
  }

  /**
   * schema/ applied before the worker is updated: the new code may rely on it, and the old code
   * keeps working because migrations are additive. An adopted database's recorded migrations are
   * read from its d1_migrations table and not run again.
   */
  private createMigrations(database: cloudflare.D1Database): D1Migrations {
    const [name, opts] = this.child("migrations");
    return new D1Migrations(
      name,
      {
        accountId: this.config.accountId,
        databaseId: database.id,
        databaseName: database.name,
        apiToken: this.config.apiToken,
        files: readMigrationFiles(schemaDir),
      },
      opts,
    );
  }

  private createSessionNamespace(guard: NameGuard): cloudflare.WorkersKvNamespace {
    const adopt = this.config.adoptKvNamespaceId;
    const [name, opts] = this.cloudflareChild("session", {
      dependsOn: [guard],
      ...(adopt && { import: `${this.config.accountId}/${adopt}` }),
    });
    return new cloudflare.WorkersKvNamespace(
      name,
      { accountId: this.config.accountId, title: this.names.kvNamespace },
      opts,
    );
  }

  /** The configured key, or one generated once and kept (encrypted) in state. */
  private createAgentKey(): pulumi.Output<string> {
    if (this.config.agentKey) return this.config.agentKey;
    const [name, opts] = this.child("agentKey");
    const generated = new random.RandomPassword(name, { length: 48, special: false }, opts);
    return generated.result;
  }

  /** A direct-upload project: no git source, the stack uploads the frontend build. */
  private createPagesProject(guard: NameGuard): cloudflare.PagesProject {
    const [name, opts] = this.cloudflareChild("pages", { dependsOn: [guard] });
    return new cloudflare.PagesProject(
      name,
      { accountId: this.config.accountId, name: this.names.pages, productionBranch: "main" },
      opts,
    );
  }

  /**
   * The bundle goes to a file named relative to the project, and only its sha256 into state, so a
   * no-op `pulumi up` compares two hashes and shows no change.
   */
  private createWorker(
    bundle: WorkerBundle,
    targets: Parameters<typeof workerBindings>[1],
    before: pulumi.Resource[],
  ): cloudflare.WorkersScript {
    writeWorkerBundle(bundle);
    const [name, opts] = this.cloudflareChild("worker", { dependsOn: before });
    return new cloudflare.WorkersScript(
      name,
      {
        accountId: this.config.accountId,
        scriptName: this.names.worker,
        mainModule: "worker.js",
        contentFile: workerBundleFile,
        contentSha256: bundle.sha256,
        ...(bundle.wasm.length > 0 && { files: wasmFiles(bundle) }),
        compatibilityDate,
        compatibilityFlags,
        bindings: workerBindings(this.config, targets),
      },
      opts,
    );
  }

  private createWorkersDevRoute(script: cloudflare.WorkersScript): cloudflare.WorkersScriptSubdomain {
    const [name, opts] = this.cloudflareChild("route");
    return new cloudflare.WorkersScriptSubdomain(
      name,
      { accountId: this.config.accountId, scriptName: script.scriptName, enabled: true, previewsEnabled: false },
      opts,
    );
  }

  /**
   * The chat app, built with the worker's URL in its config.json (so the build is per tenant) and
   * uploaded to the Pages project; `pulumi preview --diff` names each file that changes.
   */
  private createFrontendDeployment(
    pages: cloudflare.PagesProject,
    workerUrl: pulumi.Output<string>,
    route: cloudflare.WorkersScriptSubdomain,
  ): PagesDeployment {
    // Relative to the working folder, as the worker bundle: the provider reads it from there, and state
    // names no path of the machine that deployed.
    const buildDir = `${frontendBuildRoot}/frontend-${this.config.prefix}`;
    const built = workerUrl.apply((url) => {
      buildFrontend(buildDir, { workerUrl: url });
      return buildDir;
    });
    const [name, opts] = this.child("frontend", { dependsOn: [pages, route] });
    return new PagesDeployment(
      name,
      {
        accountId: this.config.accountId,
        projectName: pages.name,
        apiToken: this.config.apiToken,
        buildDir: built,
        keepDeployments: this.config.pagesKeepDeployments,
      },
      opts,
    );
  }

  /** Opt-in only: the public profile in the Yellow Pages registry; removed when the opt-in is turned off. */
  private createListing(workerUrl: pulumi.Output<string>): RegistryListing {
    const [name, opts] = this.child("listing");
    return new RegistryListing(
      name,
      {
        registryUrl: this.config.yellowPagesRegistryUrl,
        agentId: this.config.agentId,
        name: this.config.yellowPagesName || this.config.agentName,
        skills: this.config.yellowPagesSkills,
        callbackUrl: this.config.yellowPagesCallbackUrl || pulumi.interpolate`${workerUrl}/api/contact`,
      },
      opts,
    );
  }

  /**
   * The daily run of the worker's `scheduled` handler: the upkeep (inbox messages past their retention
   * are deleted) always, the heartbeat and telemetry only when opted in.
   */
  private createDailyTrigger(script: cloudflare.WorkersScript): cloudflare.WorkersCronTrigger {
    const [name, opts] = this.cloudflareChild("daily");
    return new cloudflare.WorkersCronTrigger(
      name,
      { accountId: this.config.accountId, scriptName: script.scriptName, schedules: [{ cron: dailyCron }] },
      opts,
    );
  }

  /**
   * The configured workers.dev subdomain, or the account's own, read at deploy time by a resource:
   * evaluating the program (a preview) makes no call, and shows the worker's URL as unknown until the
   * first deployment has read it.
   */
  private workersDevSubdomain(): pulumi.Output<string> {
    if (this.config.workersDevSubdomain) return pulumi.output(this.config.workersDevSubdomain);
    const [name, opts] = this.child("subdomain");
    return new WorkersDevSubdomain(name, { accountId: this.config.accountId, apiToken: this.config.apiToken }, opts)
      .subdomain;
  }
}

/** Where the frontend is built, relative to the working folder. */
export const frontendBuildRoot = ".sos/build";

/**
 * Before logical names were fixed, the component was named after the prefix (and its children
 * `<prefix>-memory`, ...): the URN that stacks deployed then hold.
 */
function legacyAlias(base: string, prefix: string): pulumi.Input<string>[] {
  return base === prefix ? [] : [pulumi.createUrn(prefix, sosStackType)];
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
