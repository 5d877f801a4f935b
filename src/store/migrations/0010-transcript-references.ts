// A message is stored once: a log's transcript refers to the messages its owner received
// (conversation_log_messages) instead of holding a copy of each (docs/messaging.md, "History").
// One small B-tree (WITHOUT ROWID on SQLite) is the whole per-message cost of history. The
// invitation's first message stays in conversation_log_entries (it is not a message row).
import { type Kysely, sql } from 'kysely'
import type { Migration } from 'kysely/migration'
import { isPostgres } from './dialect.ts'

export const transcriptReferences: Migration = {
  async up(db: Kysely<unknown>) {
    const table = db.schema
      .createTable('conversation_log_messages')
      .addColumn('log_id', 'text', (c) => c.notNull().references('conversation_logs.id').onDelete('cascade'))
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('conversation_log_messages_pk', ['log_id', 'seq'])
    await (isPostgres(db) ? table : table.modifyEnd(sql`without rowid`)).execute()
    // Existing copies of messages become references (copies whose message is gone stay copies).
    await sql`insert into conversation_log_messages (log_id, seq)
      select e.log_id, e.ord from conversation_log_entries e
      where e.entry_key like 'm%' and exists (select 1 from messages m where m.seq = e.ord)`.execute(db)
    await sql`delete from conversation_log_entries
      where entry_key like 'm%' and exists (select 1 from messages m where m.seq = conversation_log_entries.ord)`.execute(
      db,
    )
  },
}
