// The embedded default store: one SQLite file in WAL mode. See docs/store.md.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { Kysely, SqliteDialect } from 'kysely'
import type { Database } from '../kysely/database.ts'
import { KyselyStore, migrateToLatest } from '../kysely/kysely-store.ts'
import { NodeSqliteDatabase } from './node-sqlite-database.ts'

/** Opens (creating if needed) the SQLite file at `path` — or `:memory:` — and migrates it. */
export async function openSqliteStore(path: string): Promise<KyselyStore> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const raw = new DatabaseSync(path)
  // WAL lets readers run while a write commits; NORMAL sync is durable across process crashes
  // (only an OS crash can lose the last commits), the usual choice for WAL.
  raw.exec('PRAGMA journal_mode = WAL')
  raw.exec('PRAGMA synchronous = NORMAL')
  raw.exec('PRAGMA busy_timeout = 5000')
  raw.exec('PRAGMA foreign_keys = ON')
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new NodeSqliteDatabase(raw) }) })
  try {
    await migrateToLatest(db)
  } catch (error) {
    await db.destroy()
    throw error
  }
  return new KyselyStore(db)
}
