import { AsyncLocalStorage } from 'node:async_hooks';
import type { DatabaseConnection, Dialect, Driver, TransactionSettings } from 'kysely';

/**
 * Thrown instead of starting or committing a write whose client has gone (its response closed before
 * it finished): a client that gave up will retry, and a write committed behind its back would be a
 * duplicate. Thrown before COMMIT, it rolls the transaction back.
 */
export class ClientGone extends Error {
  override name = 'ClientGone';
  constructor() {
    super('the client went away before its write was committed');
  }
}

// One store per request, set by the server; storage reads it without knowing about HTTP.
const requestScope = new AsyncLocalStorage<() => boolean>();

/** Runs a request's work so that every transaction it opens asks `gone()` when it begins and before it commits. */
export function watchClient<T>(gone: () => boolean, work: () => T): T {
  return requestScope.run(gone, work);
}

function assertClientThere(): void {
  if (requestScope.getStore()?.()) throw new ClientGone();
}

/** The dialect, with its transactions checked against the request's client (outside a request: no check). */
export function clientCheckedDialect(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => clientCheckedDriver(dialect.createDriver()),
  };
}

function clientCheckedDriver(driver: Driver): Driver {
  const begin = driver.beginTransaction.bind(driver);
  const commit = driver.commitTransaction.bind(driver);
  driver.beginTransaction = async (connection: DatabaseConnection, settings: TransactionSettings) => {
    assertClientThere();
    await begin(connection, settings);
  };
  driver.commitTransaction = async (connection: DatabaseConnection) => {
    assertClientThere();
    await commit(connection);
  };
  return driver;
}
