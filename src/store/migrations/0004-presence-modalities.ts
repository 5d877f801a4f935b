// The modalities a user's live endpoints offer, published with their presence.
import type { Kysely } from 'kysely'
import type { Migration } from 'kysely/migration'

export const presenceModalities: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('presence')
      .addColumn('modalities', 'text', (c) => c.notNull().defaultTo('[]'))
      .execute()
  },
}
