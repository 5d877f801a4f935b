// What the PostgreSQL adapter adds to the store contract (test/contract/store-postgres.test.ts):
// several nodes on one database. A fresh database per test, dropped after. Skipped (with how to
// enable it) when PostgreSQL does not answer, unless PARLEY_REQUIRE_SERVICES=1.
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { leaderLease } from '../../src/store/postgres/leader-lease.ts'
import { openPostgresStore } from '../../src/store/postgres/postgres-store.ts'
import { addUser, event, newApp, T0 } from '../contract/store-fixtures.ts'
import { createDatabase, databaseUrl, dropDatabase, servicesSkip } from '../helpers/services.ts'

const services = await servicesSkip(['postgres'])

describe('PostgreSQL: several nodes on one database', { skip: services.skip }, () => {
  before(() => services.assertReachable())

  it('PostgreSQL: appendBatch writes nothing when another node formed that batch', async () => {
    const name = await createDatabase()
    const store = await openPostgresStore({ url: databaseUrl(name), maxConnections: 2 })
    try {
      const uid = await addUser(store, 'pgb')
      const app = (await store.applications.insert(newApp(uid))).id
      await store.transaction((tx) => tx.events.formBatch(app, 1, [], []))
      // This node still thinks batch 1 is next: too late, refused.
      assert.equal(await store.transaction((tx) => tx.events.appendBatch(app, 1, [event(1)], T0)), undefined)
      assert.deepEqual(await store.events.queue(app, 10), { current: 1, pending: [] }, 'nothing written')
      assert.equal(
        (await store.transaction((tx) => tx.events.appendBatch(app, 2, [event(2)], T0)))?.length,
        1,
      )
      assert.equal((await store.events.queue(app, 10))?.current, 2)
    } finally {
      await store.close()
      await dropDatabase(name)
    }
  })

  it('PostgreSQL: nodes starting together migrate once', async () => {
    const name = await createDatabase()
    try {
      const stores = await Promise.all(
        [1, 2, 3].map(() => openPostgresStore({ url: databaseUrl(name), maxConnections: 2 })),
      )
      assert.deepEqual(await Promise.all(stores.map((s) => s.ping())), [true, true, true])
      await Promise.all(stores.map((s) => s.close()))
    } finally {
      await dropDatabase(name)
    }
  })
  it('PostgreSQL: one node at a time holds the periodic-jobs lease; it passes on when that node goes', async () => {
    const name = await createDatabase()
    const [a, b] = [leaderLease(databaseUrl(name)), leaderLease(databaseUrl(name))]
    try {
      assert.equal(await a.held(), true)
      assert.equal(await b.held(), false)
      assert.equal(await a.held(), true, 'kept')
      await a.close()
      assert.equal(await b.held(), true)
    } finally {
      await Promise.all([a.close(), b.close()])
      await dropDatabase(name)
    }
  })
})
