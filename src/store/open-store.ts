// Picks the store the config names: PostgreSQL for a cluster, else the SQLite file.
import type { Logger } from 'pino'
import type { Config } from '../config/config.ts'
import type { KyselyStore } from './kysely/kysely-store.ts'
import { openPostgresStore } from './postgres/postgres-store.ts'
import { openSqliteStore } from './sqlite/sqlite-store.ts'

export function openStore(storage: Config['storage'], logger?: Logger): Promise<KyselyStore> {
  return storage.postgres ? openPostgresStore(storage.postgres, logger) : openSqliteStore(storage.sqlitePath)
}
