// Presence, presence subscriptions, privacy relationships, contact groups and photos.
import type { Kysely } from 'kysely'
import type { Migration } from 'kysely/migration'
import { bytes } from './dialect.ts'

export const presence: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('applications')
      .addColumn('available', 'integer', (c) => c.notNull().defaultTo(0))
      .execute()
    await db.schema
      .alterTable('applications')
      .addColumn('user_active_at', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute()
    await db.schema.alterTable('users').addColumn('photo', bytes(db)).execute()
    await db.schema.alterTable('users').addColumn('photo_type', 'text').execute()
    await db.schema.alterTable('users').addColumn('out_of_office_note', 'text').execute()
    await db.schema
      .createTable('presence')
      .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('manual', 'text')
      .addColumn('note', 'text')
      .addColumn('location', 'text')
      .addColumn('availability', 'text', (c) => c.notNull().defaultTo('Offline'))
      .addColumn('activity', 'text')
      .addColumn('device_type', 'text', (c) => c.notNull().defaultTo('Unknown'))
      .addColumn('last_active_at', 'bigint')
      .addColumn('next_check_at', 'bigint')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('presence_next_check').on('presence').column('next_check_at').execute()
    await db.schema
      .createTable('presence_subscriptions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('app_id', 'text', (c) => c.notNull().references('applications.id').onDelete('cascade'))
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema
      .createTable('presence_subscription_members')
      .addColumn('subscription_id', 'text', (c) =>
        c.notNull().references('presence_subscriptions.id').onDelete('cascade'),
      )
      .addColumn('uri', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('presence_subscription_members_pk', ['subscription_id', 'uri'])
      .execute()
    await db.schema
      .createIndex('presence_subscription_members_uri')
      .on('presence_subscription_members')
      .column('uri')
      .execute()
    await db.schema
      .createTable('privacy_relationships')
      .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('contact_uri', 'text', (c) => c.notNull())
      .addColumn('level', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('privacy_relationships_pk', ['owner_id', 'contact_uri'])
      .execute()
    await db.schema
      .createTable('contact_groups')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('contact_groups_owner').on('contact_groups').column('owner_id').execute()
    await db.schema
      .createTable('contact_group_members')
      .addColumn('group_id', 'text', (c) => c.notNull().references('contact_groups.id').onDelete('cascade'))
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addColumn('contact_uri', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('contact_group_members_pk', ['group_id', 'contact_uri'])
      .execute()
    await db.schema
      .createIndex('contact_group_members_owner')
      .on('contact_group_members')
      .columns(['owner_id', 'contact_uri'])
      .execute()
  },
}
