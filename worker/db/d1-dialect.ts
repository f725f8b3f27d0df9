import type { CompiledQuery, DatabaseConnection, Driver, QueryResult, TransactionSettings } from "kysely";
import { D1Dialect } from "kysely-d1";

/**
 * kysely-d1's dialect, its query results in kysely's current shape. kysely-d1 0.4.0 (the latest)
 * still returns the count kysely renamed, `numUpdatedOrDeletedRows`, beside its new name
 * `numAffectedRows`, and kysely then warns of an outdated driver in every process that queries.
 */
export class CurrentD1Dialect extends D1Dialect {
  override createDriver(): Driver {
    return new CurrentResultsDriver(super.createDriver());
  }
}

/** The driver's own connections go back to it: its transaction methods are its connection's. */
class CurrentResultsDriver implements Driver {
  constructor(private readonly driver: Driver) {}

  init(): Promise<void> {
    return this.driver.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new CurrentResultsConnection(await this.driver.acquireConnection());
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.driver.beginTransaction(unwrapped(connection), settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.driver.commitTransaction(unwrapped(connection));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.driver.rollbackTransaction(unwrapped(connection));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.driver.releaseConnection(unwrapped(connection));
  }

  destroy(): Promise<void> {
    return this.driver.destroy();
  }
}

class CurrentResultsConnection implements DatabaseConnection {
  constructor(readonly connection: DatabaseConnection) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result: QueryResult<R> & { numUpdatedOrDeletedRows?: bigint } = await this.connection.executeQuery<R>(query);
    const { numUpdatedOrDeletedRows: _deprecated, ...current } = result;
    return current;
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.connection.streamQuery<R>(query, chunkSize);
  }
}

function unwrapped(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof CurrentResultsConnection ? connection.connection : connection;
}
