// The cluster store: PostgreSQL through `pg` (pure JavaScript, no pg-native) and Kysely's
// PostgresDialect, behind the same repositories as SQLite. See docs/store.md and docs/cluster.md.
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { Logger } from 'pino'
import type { Database } from '../kysely/database.ts'
import { KyselyStore, migrateToLatest } from '../kysely/kysely-store.ts'
import { withUnavailableErrors } from './unavailable.ts'

export interface PostgresSettings {
  /** `postgres://user:password@host:5432/db`; the password never reaches a log. */
  readonly url: string
  /** Pool size per node; PostgreSQL's max_connections must cover every node's pool. */
  readonly maxConnections: number
}

export const DEFAULT_POSTGRES_MAX_CONNECTIONS = 10

// A request waiting longer than this for a connection (or for PostgreSQL to accept one) fails
// fast with 503 instead of piling up while the database restarts.
const CONNECT_TIMEOUT_MS = 3_000
const IDLE_TIMEOUT_MS = 30_000
// Bounds a query stuck behind a lock or a sick disk; every query Parley runs is short.
const STATEMENT_TIMEOUT_MS = 15_000
// Any constant: nodes starting together take it in turn, so only the first one migrates.
const MIGRATION_LOCK_KEY = 0x7061726c // "parl"

const INT8_OID = 20

/** bigint columns (epoch milliseconds, seqs) as numbers, as SQLite returns them. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
}

/** Opens a pool to `settings.url` and migrates the schema (once across nodes starting together). */
export async function openPostgresStore(settings: PostgresSettings, logger?: Logger): Promise<KyselyStore> {
  const pool = new pg.Pool({
    connectionString: settings.url,
    max: settings.maxConnections,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    application_name: 'parley',
    types,
  })
  // An idle client whose server went away emits 'error' on the pool; unhandled, it would crash
  // the process. The pool drops that client and the next query opens a fresh one.
  pool.on('error', (error) =>
    logger?.warn({ code: (error as { code?: string }).code }, 'postgres connection lost'),
  )
  const db = new Kysely<Database>({ dialect: withUnavailableErrors(new PostgresDialect({ pool })) })
  try {
    await migrateLocked(pool, db)
  } catch (error) {
    await db.destroy()
    throw error
  }
  return new KyselyStore(db, async () => undefined, { dialect: 'postgres' })
}

// Kysely's migrator locks only around the migrations themselves; creating its bookkeeping tables
// comes first and races between nodes, so the whole run holds a session-level advisory lock of
// our own, on a connection kept aside for it.
async function migrateLocked(pool: pg.Pool, db: Kysely<Database>): Promise<void> {
  const client = await pool.connect()
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY])
    try {
      await migrateToLatest(db)
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
    }
  } finally {
    client.release()
  }
}
