// The SQLite store's WAL under writes that never pause: the checkpointer (checkpoint-worker.ts)
// must get the WAL to start over now and then, or it grows with every page ever written.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { addUser, newApp, T0 } from '../contract/store-fixtures.ts'

// Enough writes for the WAL to start over several times (≈ 2 frames a write, 300 frames a start).
const MIN_WRITES = 2_000
// Far more than a working checkpointer needs on any machine; reached only when the WAL never
// starts over (the assertions then say so).
const MAX_WRITES = 30_000

describe('SQLite WAL under steady writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-wal-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('restarts the WAL while writes go on, and loses none of them', async () => {
    const sizes: number[] = []
    const restartFrames = 300
    const store = await openSqliteStore(join(dir, 'steady.db'), {
      checkpointIntervalMs: 20,
      walRestartFrames: restartFrames,
      onCheckpoint: (frames) => sizes.push(frames),
    })
    try {
      const user = await addUser(store, 'writer')
      const app = (await store.applications.insert(newApp(user))).id
      const event = {
        sender: { rel: 'me' },
        link: { rel: 'note', ids: ['x'.repeat(2_000)] },
        type: 'updated',
        priority: 'medium',
      } as const
      // Four writers back to back, so the store is never without a transaction for long; each
      // next write comes from the event loop, as requests do. They write until the WAL has
      // started over twice and stayed small beside what they wrote — however fast or loaded this
      // machine is — or until far more writes than that takes (a WAL that never starts over grows
      // by about two frames a write, so it is never small beside them).
      let written = 0
      const restarts = () => sizes.filter((size, i) => i > 0 && size < (sizes[i - 1] ?? 0)).length
      const largest = () => Math.max(0, ...sizes)
      const enough = () => written >= MIN_WRITES && restarts() >= 2 && largest() < written / 2
      const writer = async () => {
        while (!enough() && written < MAX_WRITES) {
          await store.transaction((tx) => tx.events.append([[app, [event]]], T0))
          written++
          await new Promise((resolve) => setImmediate(resolve))
        }
      }
      await Promise.all([writer(), writer(), writer(), writer()])

      assert.equal((await store.events.queue(app, 1_000_000))?.pending.length, written, 'every write kept')
      assert.ok(restarts() >= 2, `the WAL started over while writes went on: ${sizes.join(' ')}`)
      assert.ok(largest() < written / 2, `the WAL stayed small (${largest()} frames for ${written} writes)`)
    } finally {
      await store.close()
    }
  })
})
