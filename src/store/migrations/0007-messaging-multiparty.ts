// Multi-party messaging: addParticipant invitations, the escalation to an ad-hoc conference, and
// the message horizon of each view (a participant added later reads only what follows).
import type { Kysely } from 'kysely'
import type { Migration } from 'kysely/migration'

export const messagingMultiparty: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('invitations')
      .addColumn('kind', 'text', (c) => c.notNull().defaultTo('messaging'))
      .execute()
    await db.schema
      .alterTable('conversations')
      .addColumn('mode', 'text', (c) => c.notNull().defaultTo('p2p'))
      .execute()
    await db.schema
      .alterTable('conversation_views')
      .addColumn('since_seq', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute()
    await db.schema
      .createIndex('invitations_conversation')
      .on('invitations')
      .column('conversation_id')
      .execute()
  },
}
