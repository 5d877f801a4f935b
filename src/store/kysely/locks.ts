// Serialization that SQLite gives for free and PostgreSQL does not. Kysely runs SQLite's
// transactions one at a time on its single connection, so the domain's read-then-write
// transactions (create the default groups if missing, answer an invitation still Connecting)
// never interleave. On PostgreSQL (READ COMMITTED, many connections, many nodes) they would; the
// repositories take a transaction-scoped advisory lock on the entity first, so the read that
// follows sees whatever a competing transaction committed. See docs/store.md.
import { type Kysely, sql } from 'kysely'
import type { Database } from './database.ts'

/** Waits for the lock on `key` until the transaction ends; a no-op where it is not needed. */
export type EntityLock = (key: string) => Promise<void>

export const NO_LOCK: EntityLock = async () => undefined

/** Advisory locks for one PostgreSQL transaction (re-entrant: taking a key twice is fine). */
export function advisoryLock(trx: Kysely<Database>): EntityLock {
  return async (key) => {
    // 64-bit hash of the key: collisions only make two unrelated entities wait for each other.
    await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(trx)
  }
}
