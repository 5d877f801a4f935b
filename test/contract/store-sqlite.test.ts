// The store contract on SQLite: a fresh file per test.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { storeContract } from './store-contract.ts'

storeContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-store-'))
  const store = await openSqliteStore(join(dir, 'parley.db'))
  return {
    store,
    async close() {
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
})
