/**
 * A Kysely dialect for PGlite (embedded PostgreSQL) that serialises connections.
 *
 * PGlite has exactly one session. If two Kysely transactions shared it, their statements would
 * interleave and one transaction's ROLLBACK could undo — or its COMMIT could commit — the other's
 * work (the failure found in `kysely-pglite`). So the single connection is a mutex: a transaction
 * holds it from BEGIN to COMMIT/ROLLBACK, and a plain query holds it for one statement.
 */
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import type { PGlite, Results } from '@electric-sql/pglite';

export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  /** Holders plus waiters: what pool statistics report for the single embedded session. */
  queued = 0;

  /** Resolves with a release function once every earlier holder has released. */
  async lock(timeoutMs: number): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const previous = this.tail;
    this.tail = previous.then(() => held);
    this.queued += 1;
    void held.then(() => (this.queued -= 1));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new Error(`embedded database busy for over ${timeoutMs} ms (a query outside its transaction?)`),
        );
      }, timeoutMs);
    });
    try {
      await Promise.race([previous, timedOut]);
    } catch (error) {
      // Give our turn away when it comes, so later waiters are not blocked forever.
      void previous.then(release);
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return release;
  }
}

function lastOf(results: Results[]): Results {
  const last = results.at(-1);
  return last ?? { rows: [], fields: [] };
}

class PGliteConnection implements DatabaseConnection {
  constructor(private readonly pg: PGlite) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    // Without parameters use the simple protocol, as `pg` does: it allows several statements in
    // one string, which migrations need.
    const result =
      compiled.parameters.length === 0
        ? lastOf(await this.pg.exec(compiled.sql))
        : await this.pg.query<R>(compiled.sql, [...compiled.parameters]);
    const rows = result.rows as R[];
    const affected = result.affectedRows;
    return affected === undefined ? { rows } : { rows, numAffectedRows: BigInt(affected) };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported on the embedded database');
  }
}

class PGliteDriver implements Driver {
  private readonly connection: PGliteConnection;
  private readonly releases = new WeakMap<DatabaseConnection, () => void>();

  constructor(
    pg: PGlite,
    private readonly mutex: Mutex,
    private readonly lockTimeoutMs: number,
  ) {
    this.connection = new PGliteConnection(pg);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.mutex.lock(this.lockTimeoutMs);
    // One real connection: a fresh wrapper per acquisition lets us pair each acquire with its release.
    const handle: DatabaseConnection = {
      executeQuery: (q) => this.connection.executeQuery(q),
      streamQuery: () => this.connection.streamQuery(),
    };
    this.releases.set(handle, release);
    return handle;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const isolation =
      settings.isolationLevel === undefined ? '' : ` isolation level ${settings.isolationLevel}`;
    await connection.executeQuery(CompiledQuery.raw(`begin${isolation}`));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    const release = this.releases.get(connection);
    this.releases.delete(connection);
    release?.();
    return Promise.resolve();
  }

  async destroy(): Promise<void> {}
}

export class PGliteDialect implements Dialect {
  readonly mutex = new Mutex();

  constructor(
    private readonly pg: PGlite,
    private readonly lockTimeoutMs: number,
  ) {}

  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.pg, this.mutex, this.lockTimeoutMs);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
}
