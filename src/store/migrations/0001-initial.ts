// The foundation: the directory (users), issued tokens and UCWA applications.
import type { Kysely } from 'kysely'
import type { Migration } from 'kysely/migration'

export const initial: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('sip_uri', 'text', (c) => c.notNull().unique())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('email', 'text')
      .addColumn('title', 'text')
      .addColumn('department', 'text')
      .addColumn('phones', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('home_pool', 'text', (c) => c.notNull())
      .addColumn('enterprise_voice', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('line_uri', 'text')
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('password_hash', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema
      .createTable('tokens')
      .addColumn('digest', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('pool', 'text', (c) => c.notNull())
      .addColumn('issued_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('tokens_user').on('tokens').column('user_id').execute()
    await db.schema.createIndex('tokens_expiry').on('tokens').column('expires_at').execute()
    await db.schema
      .createTable('applications')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('pool', 'text', (c) => c.notNull())
      .addColumn('endpoint_id', 'text', (c) => c.notNull())
      .addColumn('user_agent', 'text', (c) => c.notNull())
      .addColumn('culture', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('instance_id', 'text')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_activity_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('communication', 'text', (c) => c.notNull())
      .addUniqueConstraint('applications_user_endpoint', ['user_id', 'endpoint_id'])
      .execute()
    await db.schema.createIndex('applications_expiry').on('applications').column('expires_at').execute()
  },
}
