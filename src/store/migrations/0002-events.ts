// The event channel: one queue per application, numbered batches (docs/events.md).
import type { Kysely } from 'kysely'
import type { Migration } from 'kysely/migration'
import { isPostgres, serialKey } from './dialect.ts'

export const events: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('applications')
      .addColumn('event_batch', 'integer', (c) => c.notNull().defaultTo(0))
      .execute()
    await db.schema
      .createTable('events')
      .addColumn('seq', serialKey(db), (c) =>
        isPostgres(db) ? c.primaryKey() : c.primaryKey().autoIncrement(),
      )
      .addColumn('app_id', 'text', (c) => c.notNull().references('applications.id').onDelete('cascade'))
      .addColumn('batch', 'integer')
      .addColumn('priority', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('events_app_batch').on('events').columns(['app_id', 'batch', 'seq']).execute()
  },
}
