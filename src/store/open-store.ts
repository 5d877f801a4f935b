// Picks the store the config names: PostgreSQL for a cluster, else the SQLite file. Each driver
// loads only when chosen (a CLI command on SQLite never loads pg).
import type { Logger } from 'pino'
import type { Config } from '../config/config.ts'
import type { KyselyStore } from './kysely/kysely-store.ts'

export async function openStore(storage: Config['storage'], logger?: Logger): Promise<KyselyStore> {
  if (storage.postgres) {
    const { openPostgresStore } = await import('./postgres/postgres-store.ts')
    return openPostgresStore(storage.postgres, logger)
  }
  const { openSqliteStore } = await import('./sqlite/sqlite-store.ts')
  return openSqliteStore(storage.sqlitePath)
}
