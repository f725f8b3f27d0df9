import * as pulumi from "@pulumi/pulumi";
import { cloudflareRequest, type RetryPolicy } from "./cloudflare-api";
import { changedKeys, onlyTokenChanged } from "./dynamic-inputs";
import {
  createMigrationsTableSql,
  inRunOrder,
  listAppliedSql,
  migrationRequestSql,
  type MigrationFile,
} from "./migration-plan";

/** One migration file as the resource carries it. */
export interface MigrationInput {
  checksum: string;
  /** The request that applies it: the file, then its row in d1_migrations. */
  request: string;
}

export interface D1MigrationsInputs {
  accountId: string;
  databaseId: string;
  /** The database's name, for the restore command in error messages. */
  databaseName: string;
  /** Secret; read inside the provider's methods, never captured by its serialized code. */
  apiToken: string;
  /** Creates wrangler's d1_migrations table if missing, then lists what it recorded. */
  setupRequest: string;
  /** Every migration file by name (`NNNN_name.sql`). */
  files: Record<string, MigrationInput>;
}

/**
 * What state keeps: the inputs (with each file's SQL) are stored once by the engine; the outputs hold
 * each file's checksum only, so no SQL is stored twice.
 */
export interface D1MigrationsState extends Omit<D1MigrationsInputs, "files"> {
  files: Record<string, Pick<MigrationInput, "checksum">>;
  /** Applied migrations and the checksum of the text applied (null: applied outside the stack, text unknown). */
  applied: Record<string, string | null>;
  /** Migrations found applied by something else (wrangler, say) instead of being run by the stack. */
  appliedOutside: string[];
  /** Time Travel bookmark taken before the last migrations were applied ("" when none ran yet). */
  bookmark: string;
}

type Target = Pick<D1MigrationsInputs, "accountId" | "databaseId" | "databaseName" | "apiToken">;

const compared = ["accountId", "databaseId", "databaseName", "apiToken"] as const;

/**
 * Right after the stack creates a database, D1 can answer 10021 for a while (the database is not
 * everywhere yet): the calls of a resource being created retry it, as they retry 429, 5xx and the network.
 */
const freshDatabase: Partial<RetryPolicy> = { retryCodes: [10021] };

async function d1Query(
  target: Target,
  sql: string,
  retry?: Partial<RetryPolicy>,
): Promise<{ results: Record<string, unknown>[] }[]> {
  return cloudflareRequest<{ results: Record<string, unknown>[] }[]>({
    token: target.apiToken,
    method: "POST",
    path: `/accounts/${target.accountId}/d1/database/${target.databaseId}/query`,
    action: "query",
    resource: `D1 database '${target.databaseName}'`,
    body: { sql },
    retry,
  });
}

async function currentBookmark(target: Target, retry?: Partial<RetryPolicy>): Promise<string> {
  const result = await cloudflareRequest<{ bookmark: string }>({
    token: target.apiToken,
    method: "GET",
    path: `/accounts/${target.accountId}/d1/database/${target.databaseId}/time_travel/bookmark`,
    action: "get Time Travel bookmark of",
    resource: `D1 database '${target.databaseName}'`,
    retry,
  });
  return result.bookmark;
}

/** One request: creates the bookkeeping table when missing and lists the applied names. */
async function appliedNames(
  target: Target & Pick<D1MigrationsInputs, "setupRequest">,
  retry?: Partial<RetryPolicy>,
): Promise<string[]> {
  const results = await d1Query(target, target.setupRequest, retry);
  return (results[results.length - 1]?.results ?? []).map((row) => String(row.name));
}

/**
 * Applies one file. A failure after the request may have reached D1 (a 5xx, no answer) is ambiguous:
 * a retry of an applied file then fails on its d1_migrations row. So a failed file counts as applied
 * when the database recorded it, and only otherwise as failed.
 */
async function applyFile(inputs: D1MigrationsInputs, name: string, retry?: Partial<RetryPolicy>): Promise<void> {
  try {
    await d1Query(inputs, inputs.files[name]!.request, retry);
  } catch (error) {
    const recorded = await appliedNames(inputs, retry).catch(() => [] as string[]);
    if (!recorded.includes(name)) throw error;
  }
}

function editedError(names: string[]): Error {
  return new Error(
    `${names.join(", ")} ${names.length === 1 ? "was" : "were"} edited after being applied; applied migrations ` +
      "are never re-run. Restore the applied text and add a new migration (NNNN_name.sql) instead.",
  );
}

/** Files this stack applied whose text changed since. */
function editedFiles(files: D1MigrationsState["files"], applied: D1MigrationsState["applied"]): string[] {
  return inRunOrder(Object.keys(files)).filter((name) => {
    const checksum = applied[name];
    return typeof checksum === "string" && checksum !== files[name]!.checksum;
  });
}

/**
 * What the database recorded, with the checksums this stack knows; a name it did not apply itself is
 * applied outside (its text is taken to be the current file's, so later edits are still caught).
 */
function reconcile(
  recorded: string[],
  files: D1MigrationsState["files"],
  previous: Partial<Pick<D1MigrationsState, "applied" | "appliedOutside">>,
): Pick<D1MigrationsState, "applied" | "appliedOutside"> {
  const known = previous.applied ?? {};
  const applied: D1MigrationsState["applied"] = {};
  const appliedOutside = [...(previous.appliedOutside ?? [])];
  for (const name of recorded) {
    applied[name] = name in known ? (known[name] ?? null) : (files[name]?.checksum ?? null);
    if (!(name in known) && !appliedOutside.includes(name)) appliedOutside.push(name);
  }
  return { applied, appliedOutside };
}

/** Files state does not list as applied, in run order; an applied file edited since is an error. */
export function pendingMigrations(applied: D1MigrationsState["applied"], files: D1MigrationsInputs["files"]): string[] {
  const edited = editedFiles(files, applied);
  if (edited.length > 0) throw editedError(edited);
  return inRunOrder(Object.keys(files)).filter((name) => !(name in applied));
}

/**
 * Applies what the database has not recorded, each file with its bookkeeping row in one request
 * (D1 runs a request as one transaction, so a file lands whole or not at all), after taking a
 * Time Travel bookmark to undo the upgrade with.
 */
async function migrate(
  inputs: D1MigrationsInputs,
  previous: Partial<Pick<D1MigrationsState, "applied" | "appliedOutside">> = {},
  retry?: Partial<RetryPolicy>,
): Promise<D1MigrationsState> {
  const known = previous.applied ?? {};
  const edited = editedFiles(inputs.files, known);
  if (edited.length > 0) throw editedError(edited);

  const recorded = await appliedNames(inputs, retry);
  const { applied, appliedOutside } = reconcile(recorded, inputs.files, previous);
  const pending = inRunOrder(Object.keys(inputs.files)).filter((name) => !recorded.includes(name));
  let bookmark = "";
  if (pending.length > 0) {
    bookmark = await currentBookmark(inputs, retry);
    for (const [index, name] of pending.entries()) {
      try {
        await applyFile(inputs, name, retry);
      } catch (error) {
        const cause = error instanceof Error ? error.message : String(error);
        const done = pending.slice(0, index);
        throw new Error(
          `Migration ${name} failed and was not applied (nothing of it was kept): ${cause}\n` +
            `${done.length ? `Applied before it: ${done.join(", ")}. ` : ""}` +
            `Not run: ${pending.slice(index + 1).join(", ") || "none"}.\n` +
            `Time Travel bookmark before this upgrade: ${bookmark}\n` +
            `To undo the upgrade: wrangler d1 time-travel restore ${inputs.databaseName} --bookmark=${bookmark}`,
        );
      }
      applied[name] = inputs.files[name]!.checksum;
    }
  }
  return { ...stateOf(inputs), applied, appliedOutside, bookmark };
}

/** The inputs as outputs: every file's checksum, none of its SQL. */
function stateOf(inputs: D1MigrationsInputs): Omit<D1MigrationsState, "applied" | "appliedOutside" | "bookmark"> {
  const files = Object.fromEntries(Object.entries(inputs.files).map(([name, { checksum }]) => [name, { checksum }]));
  return { ...inputs, files };
}

/** The provider the engine runs; every secret arrives in its arguments. */
export const d1MigrationsProvider: pulumi.dynamic.ResourceProvider<D1MigrationsInputs, D1MigrationsState> = {
  /** Runs right after the database is created (or adopted): D1's 10021 for a new database is retried. */
  async create(inputs) {
    const outs = await migrate(inputs, {}, freshDatabase);
    return { id: `${inputs.databaseId}/migrations`, outs };
  },

  /**
   * Compares the files with what state says was applied: no pending file, no change. The Node SDK
   * passes no detailed diff to the engine, which then shows the inputs that differ; `files` is keyed
   * by file name, so `pulumi preview --diff` lists each migration the upgrade will run. A new API token
   * (or database name) is a change too, so state keeps the token refresh and destroy will use.
   */
  async diff(_id, olds, news) {
    const replaces = (["accountId", "databaseId"] as const).filter((key) => olds[key] !== news[key]);
    if (replaces.length > 0) {
      return { changes: true, replaces: [...replaces], deleteBeforeReplace: false };
    }
    const pending = pendingMigrations(olds.applied ?? {}, news.files);
    return { changes: pending.length > 0 || changedKeys(olds, news, compared).length > 0 };
  },

  /** A new token alone is stored without a call; anything else reads what D1 recorded and applies the rest. */
  async update(_id, olds, news) {
    if (onlyTokenChanged(olds, news, compared) && pendingMigrations(olds.applied ?? {}, news.files).length === 0) {
      const { applied, appliedOutside, bookmark } = olds;
      return { outs: { ...stateOf(news), applied, appliedOutside, bookmark } };
    }
    return { outs: await migrate(news, olds) };
  },

  /** Refresh: records what the database holds (e.g. applied by wrangler), runs nothing. */
  async read(id, props) {
    if (!props) throw new Error(`D1 migrations ${id}: nothing to refresh from`);
    const recorded = await appliedNames(props);
    return { id, props: { ...props, ...reconcile(recorded, props.files, props) } };
  },

  /** Removing the resource leaves the schema and every row as they are. */
  async delete() {},
};

/** The requests the provider sends, built from the files by the shared migration plan. */
export function migrationRequests(files: MigrationFile[]): Pick<D1MigrationsInputs, "setupRequest" | "files"> {
  return {
    setupRequest: `${createMigrationsTableSql}\n${listAppliedSql};`,
    files: Object.fromEntries(
      files.map((file) => [file.name, { checksum: file.checksum, request: migrationRequestSql(file) }]),
    ),
  };
}

export interface D1MigrationsArgs {
  accountId: pulumi.Input<string>;
  databaseId: pulumi.Input<string>;
  databaseName: pulumi.Input<string>;
  apiToken: pulumi.Input<string>;
  /** The migration files, read with readMigrationFiles. */
  files: MigrationFile[];
}

/** schema/ applied to a D1 database; `pulumi preview --diff` names each migration an upgrade will run. */
export class D1Migrations extends pulumi.dynamic.Resource {
  declare readonly applied: pulumi.Output<Record<string, string | null>>;
  declare readonly appliedOutside: pulumi.Output<string[]>;
  declare readonly bookmark: pulumi.Output<string>;

  constructor(name: string, args: D1MigrationsArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      d1MigrationsProvider,
      name,
      {
        accountId: args.accountId,
        databaseId: args.databaseId,
        databaseName: args.databaseName,
        apiToken: pulumi.secret(args.apiToken),
        ...migrationRequests(args.files),
        applied: undefined,
        appliedOutside: undefined,
        bookmark: undefined,
      },
      { ...opts, additionalSecretOutputs: ["apiToken"] },
    );
  }
}
