/**
 * What bench/http.ts (the load generator) and bench/http-servers.ts (the child hosting the servers)
 * say to each other. Kept apart so importing it never starts the servers.
 */
import type { Database } from '../src/platform/db/database.js';
import type { KvStore } from '../src/platform/kv/index.js';

/** The parent passes the child's lifetime bound in the environment; the child never outlives its run. */
export const LIFETIME_ENV = 'BENCH_SERVER_LIFETIME_MS';

export interface ServersReady {
  readonly type: 'ready';
  readonly rampartPort: number;
  readonly baselinePort: number;
  readonly rampartVersion: string;
  readonly databaseKind: Database['kind'];
  readonly databaseVersion: string;
  readonly databasePoolMax: number;
  readonly kvKind: KvStore['kind'];
  readonly rateLimitPerMinute: number;
  readonly logLevel: string;
}

export interface ServersFailed {
  readonly type: 'failed';
  readonly message: string;
}

export type ServersMessage = ServersReady | ServersFailed;
