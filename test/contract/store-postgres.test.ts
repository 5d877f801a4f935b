// The store contract on PostgreSQL: a fresh database per test, dropped after. Skipped (with how
// to enable it) when PostgreSQL does not answer, unless PARLEY_REQUIRE_SERVICES=1.
import { before, describe } from 'node:test'
import { openPostgresStore } from '../../src/store/postgres/postgres-store.ts'
import { createDatabase, databaseUrl, dropDatabase, servicesSkip } from '../helpers/services.ts'
import { storeContract } from './store-contract.ts'

const services = await servicesSkip(['postgres'])

describe('PostgreSQL', { skip: services.skip }, () => {
  before(() => services.assertReachable())
  storeContract('PostgreSQL', async () => {
    const name = await createDatabase()
    const store = await openPostgresStore({ url: databaseUrl(name), maxConnections: 6 })
    return {
      store,
      async close() {
        await store.close()
        await dropDatabase(name)
      },
    }
  })
})
