// The few types SQLite and PostgreSQL spell differently. These branches never change what SQLite
// gets: they were added when PostgreSQL arrived, and no migration had ever run there before.
import { type Kysely, PostgresAdapter } from 'kysely'

export const isPostgres = (db: Kysely<unknown>) => db.getExecutor().adapter instanceof PostgresAdapter
/** An increasing row number: SQLite's rowid alias, a PostgreSQL identity (bigint). */
export const serialKey = (db: Kysely<unknown>) => (isPostgres(db) ? 'bigserial' : 'integer')
export const bytes = (db: Kysely<unknown>) => (isPostgres(db) ? 'bytea' : 'blob')
