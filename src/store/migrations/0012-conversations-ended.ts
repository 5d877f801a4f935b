// Ended conversations are purged once no conversation log keeps them (MessagingService.purgeEnded):
// the purge finds them by their end time.
import type { Kysely } from 'kysely'
import type { Migration } from 'kysely/migration'

export const conversationsEnded: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('conversations_ended').on('conversations').column('ended_at').execute()
  },
}
