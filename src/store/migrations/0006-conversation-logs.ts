// Conversation history and missed conversations: one log per user and conversation, each with
// its own transcript (docs/messaging.md). A removed user's logs go with them.
import type { Kysely } from 'kysely'
import type { Migration } from 'kysely/migration'

export const conversationLogs: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('conversation_logs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('conversation_id', 'text', (c) => c.notNull())
      .addColumn('thread_id', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('importance', 'text', (c) => c.notNull().defaultTo('Normal'))
      .addColumn('direction', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('unread', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('preview', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('recipients', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('last_at', 'bigint', (c) => c.notNull())
      .addColumn('ended_at', 'bigint')
      .addUniqueConstraint('conversation_logs_user_conversation', ['user_id', 'conversation_id'])
      .execute()
    await db.schema
      .createIndex('conversation_logs_user_started')
      .on('conversation_logs')
      .columns(['user_id', 'started_at'])
      .execute()
    await db.schema
      .createIndex('conversation_logs_conversation')
      .on('conversation_logs')
      .column('conversation_id')
      .execute()
    await db.schema.createIndex('conversation_logs_last').on('conversation_logs').column('last_at').execute()
    await db.schema
      .createTable('conversation_log_entries')
      .addColumn('log_id', 'text', (c) => c.notNull().references('conversation_logs.id').onDelete('cascade'))
      .addColumn('entry_key', 'text', (c) => c.notNull())
      .addColumn('ord', 'bigint', (c) => c.notNull())
      .addColumn('sender_user_id', 'text')
      .addColumn('sender_uri', 'text', (c) => c.notNull())
      .addColumn('sender_name', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('conversation_log_entries_pk', ['log_id', 'entry_key'])
      .execute()
    await db.schema
      .createIndex('conversation_log_entries_order')
      .on('conversation_log_entries')
      .columns(['log_id', 'created_at', 'ord'])
      .execute()
  },
}
