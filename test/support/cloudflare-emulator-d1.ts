import { randomUUID } from "node:crypto";
import Database from "better-sqlite3";
import type BetterSqlite3 from "better-sqlite3";
import type { EmulatorAreaContext, EmulatorRequest, RouteReply } from "./cloudflare-emulator";
import { D1SqlError, runD1Request, type D1Query, type ResultForm } from "./cloudflare-emulator-d1-sql";
import { BookmarkLog } from "./cloudflare-emulator-d1-time-travel";

/**
 * The D1 endpoints of the v4 API (`/accounts/:account/d1/database...`), each database an in-memory
 * SQLite (better-sqlite3, FTS5 included) with its Time Travel bookmarks. Shapes and error codes
 * follow the Cloudflare API reference and what wrangler 4 reads (src/d1/*.ts in cloudflare/workers-sdk).
 */

interface EmulatedDatabase {
  uuid: string;
  name: string;
  createdAt: string;
  sqlite: BetterSqlite3.Database;
  bookmarks: BookmarkLog;
}

export interface D1Emulation {
  createDatabase(name: string): { uuid: string; name: string };
  databases(): { uuid: string; name: string }[];
  sqlite(uuid: string): BetterSqlite3.Database;
  close(): void;
}

/** D1's own codes: 7403 foreign account, 7404 unknown database, 7400 bad request, 7500 SQL error, 7502 name taken. */
const code = { badRequest: 7400, account: 7403, notFound: 7404, sql: 7500, nameTaken: 7502 } as const;

export function installD1(context: EmulatorAreaContext): D1Emulation {
  const databases = new Map<string, EmulatedDatabase>();
  const base = "/accounts/:account/d1/database";

  function nameTaken(name: string): boolean {
    return [...databases.values()].some((database) => database.name === name);
  }

  function createDatabase(name: string): EmulatedDatabase {
    const sqlite = new Database(":memory:");
    const database = {
      uuid: randomUUID(),
      name,
      createdAt: new Date().toISOString(),
      sqlite,
      bookmarks: new BookmarkLog(),
    };
    database.bookmarks.record(sqlite.serialize());
    databases.set(database.uuid, database);
    return database;
  }

  /**
   * The database a request names, after checking the account. Only the details endpoint also takes a
   * name (wrangler's `getDatabaseInfoFromIdOrName` relies on it); everything else wants the uuid.
   */
  function target(request: EmulatorRequest, byName = false): EmulatedDatabase {
    checkAccount(context, request);
    const key = request.params.database!;
    const named = byName ? [...databases.values()].find((candidate) => candidate.name === key) : undefined;
    const database = databases.get(key) ?? named;
    if (!database) context.fail(404, { code: code.notFound, message: `The database ${key} could not be found` });
    return database;
  }

  function query(form: ResultForm) {
    return (request: EmulatorRequest): RouteReply => {
      const database = target(request);
      const queries = readQueries(context, request.body);
      try {
        const { results, changedDb } = runD1Request(database.sqlite, queries, form);
        if (changedDb) database.bookmarks.record(database.sqlite.serialize());
        return { result: results };
      } catch (error) {
        // Since April 2024 the HTTP API answers a bad query with 400 (it used to be 500).
        if (error instanceof D1SqlError) context.fail(400, { code: code.sql, message: error.message });
        throw error;
      }
    };
  }

  context.route("GET", base, (request) => {
    checkAccount(context, request);
    const filter = request.query.get("name")?.toLowerCase();
    const matching = [...databases.values()].filter(
      (database) => !filter || database.name.toLowerCase().includes(filter),
    );
    const page = positive(request.query.get("page"), 1);
    const perPage = positive(request.query.get("per_page"), 1000);
    const slice = matching.slice((page - 1) * perPage, page * perPage);
    return {
      result: slice.map((database) => ({
        uuid: database.uuid,
        name: database.name,
        version: "production",
        created_at: database.createdAt,
        jurisdiction: null,
      })),
      resultInfo: { page, per_page: perPage, count: slice.length, total_count: matching.length },
    };
  });

  context.route("POST", base, (request) => {
    checkAccount(context, request);
    const name = (request.body as { name?: unknown } | undefined)?.name;
    if (typeof name !== "string" || name === "") {
      context.fail(400, { code: code.badRequest, message: "The request is malformed: name is required" });
    }
    if (nameTaken(name)) {
      context.fail(400, { code: code.nameTaken, message: "A database with that name already exists." });
    }
    return { result: describe(createDatabase(name)) };
  });

  context.route("GET", `${base}/:database`, (request) => ({ result: describe(target(request, true)) }));

  context.route("DELETE", `${base}/:database`, (request) => {
    const database = target(request);
    database.sqlite.close();
    databases.delete(database.uuid);
    return { result: null };
  });

  context.route("POST", `${base}/:database/query`, query("objects"));
  context.route("POST", `${base}/:database/raw`, query("raw"));

  context.route("GET", `${base}/:database/time_travel/bookmark`, (request) => {
    const database = target(request);
    const timestamp = request.query.get("timestamp");
    const bookmark = timestamp
      ? database.bookmarks.atOrBefore(parseTimestamp(context, timestamp))
      : database.bookmarks.latest();
    return { result: { bookmark: bookmark.id } };
  });

  context.route("POST", `${base}/:database/time_travel/restore`, (request) => {
    const database = target(request);
    const id = request.query.get("bookmark");
    const timestamp = request.query.get("timestamp");
    const bookmark = id
      ? database.bookmarks.find(id)
      : timestamp
        ? database.bookmarks.atOrBefore(parseTimestamp(context, timestamp))
        : undefined;
    if (!bookmark) {
      context.fail(400, {
        code: code.badRequest,
        message: id ? `Invalid bookmark: ${id}` : "A bookmark or timestamp is required",
      });
    }
    const previous = database.bookmarks.latest();
    database.sqlite.close();
    database.sqlite = new Database(bookmark.image);
    const restored = database.bookmarks.record(database.sqlite.serialize());
    return {
      result: { bookmark: restored.id, previous_bookmark: previous.id, message: "Database restored successfully" },
    };
  });

  return {
    createDatabase(name) {
      if (nameTaken(name)) throw new Error(`an emulated D1 database is already named '${name}'`);
      const { uuid } = createDatabase(name);
      return { uuid, name };
    },
    databases: () => [...databases.values()].map(({ uuid, name }) => ({ uuid, name })),
    sqlite(uuid) {
      const database = databases.get(uuid);
      if (!database) throw new Error(`no emulated D1 database ${uuid}`);
      return database.sqlite;
    },
    close() {
      for (const database of databases.values()) database.sqlite.close();
      databases.clear();
    },
  };
}

/** The token's account is the only one; D1 answers others with 7403. */
function checkAccount(context: EmulatorAreaContext, request: EmulatorRequest): void {
  if (request.params.account !== context.accountId) {
    context.fail(403, {
      code: code.account,
      message: "The given account is not valid or is not authorized to access this service",
    });
  }
}

/** The Get/Create response: D1's database details. */
function describe(database: EmulatedDatabase) {
  const { size } = database.sqlite
    .prepare("SELECT page_count * page_size AS size FROM pragma_page_count, pragma_page_size")
    .get() as {
    size: number;
  };
  const { tables } = database.sqlite
    .prepare("SELECT count(*) AS tables FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .get() as { tables: number };
  return {
    uuid: database.uuid,
    name: database.name,
    version: "production",
    created_at: database.createdAt,
    file_size: size,
    num_tables: tables,
    jurisdiction: null,
    read_replication: { mode: "disabled" },
  };
}

/** `{sql, params?}` or `{batch: [{sql, params?}, ...]}`, as the API reference describes the body. */
function readQueries(context: EmulatorAreaContext, body: unknown): D1Query[] {
  const isQuery = (value: unknown): value is D1Query =>
    typeof value === "object" &&
    value !== null &&
    typeof (value as D1Query).sql === "string" &&
    ((value as D1Query).params === undefined || Array.isArray((value as D1Query).params));
  if (isQuery(body)) return [body];
  const batch = (body as { batch?: unknown } | undefined)?.batch;
  if (Array.isArray(batch) && batch.every(isQuery)) return batch;
  context.fail(400, {
    code: code.badRequest,
    message: "The request is malformed: expected {sql, params?} or {batch: [{sql, params?}, ...]}",
  });
}

/** wrangler sends ISO 8601; a Unix time in seconds is accepted too, as the API reference allows. */
function parseTimestamp(context: EmulatorAreaContext, value: string): number {
  const time = /^\d+$/.test(value) ? Number(value) * (value.length <= 10 ? 1000 : 1) : Date.parse(value);
  if (Number.isNaN(time)) context.fail(400, { code: code.badRequest, message: `Invalid timestamp: ${value}` });
  return time;
}

function positive(value: string | null, fallback: number): number {
  const number = Number(value);
  return Number.isInteger(number) && number > 0 ? number : fallback;
}
