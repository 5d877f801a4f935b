// Instant messaging: conversations, each application's view of them, invitations and messages.
import type { Kysely } from 'kysely'
import type { Migration } from 'kysely/migration'
import { isPostgres, serialKey } from './dialect.ts'

export const messaging: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('conversations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('thread_id', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('importance', 'text', (c) => c.notNull().defaultTo('Normal'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('ended_at', 'bigint')
      .execute()
    await db.schema
      .createTable('conversation_members')
      .addColumn('conversation_id', 'text', (c) =>
        c.notNull().references('conversations.id').onDelete('cascade'),
      )
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('uri', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('joined_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('conversation_members_pk', ['conversation_id', 'user_id'])
      .execute()
    await db.schema
      .createTable('conversation_views')
      .addColumn('conversation_id', 'text', (c) =>
        c.notNull().references('conversations.id').onDelete('cascade'),
      )
      .addColumn('app_id', 'text', (c) => c.notNull().references('applications.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('messaging', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('conversation_views_pk', ['conversation_id', 'app_id'])
      .execute()
    await db.schema.createIndex('conversation_views_app').on('conversation_views').column('app_id').execute()
    await db.schema
      .createTable('invitations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('conversation_id', 'text', (c) =>
        c.notNull().references('conversations.id').onDelete('cascade'),
      )
      .addColumn('from_user_id', 'text', (c) => c.notNull())
      .addColumn('from_app_id', 'text', (c) => c.notNull())
      .addColumn('to_uri', 'text', (c) => c.notNull())
      .addColumn('to_user_id', 'text')
      .addColumn('operation_id', 'text')
      .addColumn('message_type', 'text')
      .addColumn('message_body', 'text')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('answered_app_id', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('invitations_pending')
      .on('invitations')
      .columns(['state', 'expires_at'])
      .execute()
    await db.schema
      .createTable('messages')
      .addColumn('seq', serialKey(db), (c) =>
        isPostgres(db) ? c.primaryKey() : c.primaryKey().autoIncrement(),
      )
      .addColumn('conversation_id', 'text', (c) =>
        c.notNull().references('conversations.id').onDelete('cascade'),
      )
      .addColumn('sender_user_id', 'text', (c) => c.notNull())
      .addColumn('sender_app_id', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('operation_id', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('messages_conversation')
      .on('messages')
      .columns(['conversation_id', 'seq'])
      .execute()
  },
}
