// kysely-d1 publishes types for its ESM entry only, while this CommonJS project (which type-checks
// the worker modules the tests import) resolves its CommonJS entry. This mirrors the package's own
// index.d.ts (0.4.0); the worker's tsconfig still checks against the real one.
declare module "kysely-d1" {
  import type { D1Database } from "@cloudflare/workers-types/index";
  import type { DatabaseIntrospector, Dialect, Driver, Kysely, QueryCompiler, SqliteAdapter } from "kysely";

  export interface D1DialectConfig {
    database: D1Database;
  }

  export class D1Dialect implements Dialect {
    constructor(config: D1DialectConfig);
    createAdapter(): SqliteAdapter;
    createDriver(): Driver;
    createQueryCompiler(): QueryCompiler;
    createIntrospector(db: Kysely<any>): DatabaseIntrospector;
  }
}
