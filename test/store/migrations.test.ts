// Migrations that move data: a file written by an earlier version opens with nothing lost.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { after, describe, it } from 'node:test'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { connectMember, newLog, seedConversation, T0 } from '../contract/store-fixtures.ts'

// Migrations after 0011 taken back (each older test file predates them).
const UNDO_AFTER_0011 = `drop index conversations_ended;
  delete from kysely_migration where name = '0012_conversations_ended';`

// 0011_conversation_versions taken back (and what came after it): its triggers, its column, its
// record.
const UNDO_0011 = `${UNDO_AFTER_0011}
  ${['conversation_members', 'conversation_views', 'conversation_logs']
    .flatMap((t) => ['inserted', 'updated', 'deleted'].map((op) => `drop trigger ${t}_${op};`))
    .join('\n')}
  alter table conversations drop column version;
  delete from kysely_migration where name = '0011_conversation_versions';`

describe('migrations (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-migrate-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('0010: transcript copies of stored messages become references; other entries stay', async () => {
    const file = join(dir, 'transcripts.db')
    const store = await openSqliteStore(file)
    const { conversation, user, app } = await seedConversation(store)
    await connectMember(store, conversation, user)
    const message = await store.messaging.addMessage({
      conversationId: conversation,
      senderUserId: user,
      senderAppId: app,
      contentType: 'text/plain',
      body: 'kept once',
      operationId: null,
      createdAt: T0 + 1,
    })
    const log = newLog(conversation, user, { direction: 'Outgoing', status: 'Archived' })
    const logId = log.id
    await store.conversationLogs.insert(log)
    const entry = {
      logId,
      senderUserId: user,
      sender: { uri: 'sip:m@x', name: 'M' },
      contentType: 'text/plain',
    } as const
    await store.conversationLogs.addEntries([
      { ...entry, key: 'i-opening', ord: 0, body: 'first message', createdAt: T0 },
      // A copy whose message row is gone (nothing to refer to): stays a copy.
      { ...entry, key: 'm999999', ord: 999_999, body: 'orphan', createdAt: T0 + 2 },
    ])
    await store.close()

    // The file as 0009 left it: the message copied into the transcript, no reference table.
    const raw = new DatabaseSync(file)
    raw.exec(UNDO_0011)
    raw.exec(`drop table conversation_log_messages;
      delete from kysely_migration where name = '0010_transcript_references';`)
    raw
      .prepare(
        `insert into conversation_log_entries (log_id, entry_key, ord, sender_user_id, sender_uri,
          sender_name, content_type, body, created_at) values (?, ?, ?, ?, 'sip:m@x', 'M', 'text/plain', ?, ?)`,
      )
      .run(logId, `m${message.seq}`, message.seq, user, 'kept once', T0 + 1)
    raw.close()

    const reopened = await openSqliteStore(file)
    try {
      const transcript = await reopened.conversationLogs.entries(logId, 0, 10)
      assert.deepEqual(
        transcript.map((e) => [e.key, e.body]),
        [
          ['i-opening', 'first message'],
          [`m${message.seq}`, 'kept once'],
          ['m999999', 'orphan'],
        ],
      )
    } finally {
      await reopened.close()
    }
    const after10 = new DatabaseSync(file)
    try {
      const copies = after10.prepare('select entry_key from conversation_log_entries order by ord').all()
      assert.deepEqual(
        copies.map((r) => r.entry_key),
        ['i-opening', 'm999999'],
      )
    } finally {
      after10.close()
    }
  })
  it('0011: existing conversations get a version, which changes to their scenes bump', async () => {
    const file = join(dir, 'versions.db')
    const store = await openSqliteStore(file)
    const { conversation, user } = await seedConversation(store)
    await store.close()
    const raw = new DatabaseSync(file)
    raw.exec(UNDO_0011)
    raw.close()

    const reopened = await openSqliteStore(file)
    await connectMember(reopened, conversation, user)
    await reopened.close()
    const after11 = new DatabaseSync(file)
    try {
      const row = after11.prepare('select version from conversations where id = ?').get(conversation)
      assert.equal(row?.version, 1, 'a member joined')
    } finally {
      after11.close()
    }
  })
})
