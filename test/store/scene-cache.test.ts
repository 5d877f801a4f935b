// The scene cache of the SQLite store (src/store/kysely/scene-cache.ts): a transaction that reads
// a conversation gets its members, views and logs from memory, and never sees anything the store
// no longer holds — whoever changed it: this process, a cascade, a rollback or another process.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { after, describe, it } from 'node:test'
import type { ApplicationId, UserId } from '../../src/domain/ids.ts'
import type { Store } from '../../src/domain/ports.ts'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import {
  addUser,
  connectMember,
  id,
  newApp,
  newLog,
  seedConversation,
  T0,
} from '../contract/store-fixtures.ts'

/** What a message's transaction reads: the conversation first, then the rest of its scene. */
async function scene(store: Store, conversation: string) {
  return store.transaction(async (tx) => {
    assert.ok(await tx.conversations.conversation(conversation))
    return {
      members: (await tx.conversations.members(conversation)).map((m) => `${m.userId}:${m.state}`),
      views: (await tx.conversations.views(conversation)).map((v) => `${v.appId}:${v.state}`),
      logs: (await tx.conversationLogs.ofConversation(conversation)).map((l) => `${l.userId}:${l.unread}`),
    }
  })
}

function view(conversation: string, app: ApplicationId, user: UserId, state: 'Connected' | 'Incoming') {
  return {
    conversationId: conversation,
    appId: app,
    userId: user,
    state,
    messaging: 'Connected',
    sinceSeq: 0,
    createdAt: T0,
  } as const
}

describe('scene cache (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-scenes-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  async function seeded(name: string) {
    const file = join(dir, `${name}.db`)
    const store = await openSqliteStore(file)
    const { conversation, user, app } = await seedConversation(store)
    await connectMember(store, conversation, user)
    await store.conversations.upsertView(view(conversation, app, user, 'Connected'))
    const other = await addUser(store, id('other'))
    const otherApp = (await store.applications.insert(newApp(other))).id
    return { file, store, conversation, user, app, other, otherApp }
  }

  it('a transaction sees what earlier ones changed, through this store or a cascade', async () => {
    const { store, conversation, user, app, other, otherApp } = await seeded('changes')
    try {
      const first = await scene(store, conversation)
      assert.deepEqual(first, { members: [`${user}:connected`], views: [`${app}:Connected`], logs: [] })
      assert.deepEqual(await scene(store, conversation), first, 'read again: the same')

      await store.conversations.upsertMember({ ...member(conversation, other), state: 'connected' })
      await store.conversations.upsertView(view(conversation, otherApp, other, 'Incoming'))
      await store.conversationLogs.insert(newLog(conversation, other, { unread: true }))
      assert.deepEqual(await scene(store, conversation), {
        members: [`${user}:connected`, `${other}:connected`],
        views: [`${app}:Connected`, `${otherApp}:Incoming`],
        logs: [`${other}:true`],
      })

      const [otherLog] = await store.conversationLogs.list(other, 1)
      assert.ok(otherLog)
      assert.equal(await store.conversationLogs.markRead(other, otherLog.id), true)
      assert.deepEqual((await scene(store, conversation)).logs, [`${other}:false`], 'a log read')

      // Cascades: the application's view goes with it, the user's log with the user.
      await store.applications.remove(otherApp)
      assert.deepEqual((await scene(store, conversation)).views, [`${app}:Connected`])
      await store.users.remove(other)
      assert.deepEqual((await scene(store, conversation)).logs, [])
    } finally {
      await store.close()
    }
  })

  it('within one transaction, its own writes are read back', async () => {
    const { store, conversation, user, app, other, otherApp } = await seeded('own-writes')
    try {
      await scene(store, conversation)
      const seen = await store.transaction(async (tx) => {
        await tx.conversations.conversation(conversation)
        assert.equal((await tx.conversations.views(conversation)).length, 1)
        await tx.conversations.upsertView(view(conversation, app, user, 'Incoming'))
        await tx.conversations.upsertView(view(conversation, otherApp, other, 'Connected'))
        await tx.conversationLogs.insert(newLog(conversation, other))
        return {
          views: (await tx.conversations.views(conversation)).map((v) => `${v.appId}:${v.state}`),
          logs: (await tx.conversationLogs.ofConversation(conversation)).length,
        }
      })
      assert.deepEqual(seen, { views: [`${app}:Incoming`, `${otherApp}:Connected`], logs: 1 })
    } finally {
      await store.close()
    }
  })

  it('what a rolled-back transaction read is forgotten with it', async () => {
    const { store, conversation, user, app, other } = await seeded('rollback')
    try {
      const before = await scene(store, conversation)
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.conversations.upsertMember({ ...member(conversation, other), state: 'connected' })
          await tx.conversationLogs.insert(newLog(conversation, other))
          await tx.conversations.conversation(conversation)
          assert.equal((await tx.conversations.members(conversation)).length, 2)
          assert.equal((await tx.conversationLogs.ofConversation(conversation)).length, 1)
          throw new Error('rolled back')
        }),
        /rolled back/,
      )
      // The next change brings the conversation to the version the rolled-back transaction had
      // read it at (two bumps: an upsert is an update); what it read must not come back.
      await store.conversations.upsertView(view(conversation, app, user, 'Incoming'))
      assert.deepEqual(await scene(store, conversation), { ...before, views: [`${app}:Incoming`] })
    } finally {
      await store.close()
    }
  })

  it('sees what another process (the CLI) wrote to the file', async () => {
    const { file, store, conversation, app, user } = await seeded('other-process')
    try {
      assert.deepEqual((await scene(store, conversation)).views, [`${app}:Connected`])
      const cli = new DatabaseSync(file)
      try {
        cli.exec('PRAGMA foreign_keys = ON')
        cli.prepare('delete from applications where id = ?').run(app)
        cli.prepare("update conversation_members set state = 'left' where user_id = ?").run(user)
      } finally {
        cli.close()
      }
      assert.deepEqual(await scene(store, conversation), {
        members: [`${user}:left`],
        views: [],
        logs: [],
      })
    } finally {
      await store.close()
    }
  })

  it('what callers get cannot be changed under the cache', async () => {
    const { store, conversation } = await seeded('frozen')
    try {
      const members = await store.transaction(async (tx) => {
        await tx.conversations.conversation(conversation)
        return tx.conversations.members(conversation)
      })
      assert.ok(Object.isFrozen(members) && members.every((m) => Object.isFrozen(m)))
    } finally {
      await store.close()
    }
  })
})

function member(conversation: string, user: UserId) {
  return { conversationId: conversation, userId: user, uri: `sip:${user}@x`, name: 'O', joinedAt: T0 + 1 }
}
