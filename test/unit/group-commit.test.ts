// Group commit on the real SQLite store: transactions asked for together share one COMMIT, yet
// each keeps its own outcome.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ChannelEvent } from '../../src/domain/events/channel-event.ts'
import type { SipUri, UserId } from '../../src/domain/ids.ts'
import type { Store } from '../../src/domain/ports.ts'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { addUser, newApp } from '../contract/store-fixtures.ts'

const NOW = Date.UTC(2026, 10, 22)

function user(name: string) {
  return {
    id: `u-${name}` as UserId,
    sipUri: `${name}@example.test` as SipUri,
    displayName: name,
    homePool: 'pool01.example.test',
    passwordHash: null,
  }
}

describe('group commit (SQLite)', () => {
  let dir: string
  let store: Store
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-group-'))
    store = await openSqliteStore(join(dir, 'parley.db'))
  })
  after(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('rolls back only the transaction that failed; the others of its group commit', async () => {
    const results = await Promise.allSettled([
      store.transaction((tx) => tx.users.insert(user('ann'), NOW)),
      store.transaction(async (tx) => {
        await tx.users.insert(user('ben'), NOW)
        throw new Error('ben changed his mind')
      }),
      store.transaction((tx) => tx.users.insert(user('cat'), NOW)),
    ])
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    )
    assert.equal((results[1] as PromiseRejectedResult).reason.message, 'ben changed his mind')
    const names = (await store.users.list()).map((u) => u.displayName).sort()
    assert.deepEqual(names, ['ann', 'cat'])
  })

  it('gives the event loop a turn while transactions keep coming from commit continuations', async () => {
    // A writer asking for its next transaction from the last one's continuation never lets the
    // queue run dry: without a turn now and then, no timer or I/O would run until it stopped.
    let writes = 0
    let writesWhenAsked: number | undefined
    let writesWhenTurned: number | undefined
    const writer = async () => {
      for (let i = 0; i < 2_000; i++) {
        await store.transaction((tx) => tx.users.findBySipUri('nobody@example.test' as SipUri))
        writes++
        if (writes === 200) {
          writesWhenAsked = writes
          setImmediate(() => {
            writesWhenTurned = writes
          })
        }
      }
    }
    await Promise.all([writer(), writer()])
    assert.equal(writesWhenAsked, 200)
    assert.ok(
      writesWhenTurned !== undefined && writesWhenTurned < writes,
      `the loop turned after ${writesWhenTurned} of ${writes} transactions`,
    )
  })

  it('lets a later transaction of the group see what an earlier one wrote', async () => {
    const [, seen] = await Promise.all([
      store.transaction((tx) => tx.users.insert(user('dan'), NOW)),
      store.transaction((tx) => tx.users.findBySipUri('dan@example.test' as SipUri)),
    ])
    assert.equal(seen?.displayName, 'dan')
  })

  it('settles a transaction only once its group committed (visible to a fresh reader)', async () => {
    const { DatabaseSync } = await import('node:sqlite')
    await store.transaction((tx) => tx.users.insert(user('eve'), NOW))
    const reader = new DatabaseSync(join(dir, 'parley.db'), { readOnly: true })
    try {
      const row = reader.prepare('select display_name from users where sip_uri = ?').get('eve@example.test')
      assert.equal(row?.display_name, 'eve')
    } finally {
      reader.close()
    }
  })

  it('runs prepared statements on the held connection, in their savepoint (rolled back with it)', async () => {
    const app = (await store.applications.insert(newApp(await addUser(store, 'fay')))).id
    const event = { type: 'updated', priority: 'medium' } as unknown as ChannelEvent
    const [kept, failed, after] = await Promise.allSettled([
      store.transaction((tx) => tx.events.append([[app, [event]]], NOW)),
      store.transaction(async (tx) => {
        await tx.events.append([[app, [event, event]]], NOW)
        throw new Error('rolled back')
      }),
      // Outside any transaction while the group may still hold the connection: Kysely's queue.
      store.events.queue(app, 10),
    ])
    assert.equal(failed.status, 'rejected')
    assert.equal(kept.status, 'fulfilled')
    assert.equal(after.status, 'fulfilled')
    const queue = await store.events.queue(app, 10)
    assert.deepEqual(
      queue?.pending.map((q) => q.seq),
      (kept as PromiseFulfilledResult<number[]>).value,
    )
  })

  it('runs transactions asked for while a group runs, and many at once', async () => {
    const many = Array.from({ length: 150 }, (_, i) =>
      store.transaction((tx) => tx.users.insert(user(`n${i}`), NOW)),
    )
    await Promise.all(many)
    assert.equal((await store.users.list()).filter((u) => u.displayName.startsWith('n')).length, 150)
  })
})
