// Policies and administration: policy/configuration objects, per-user grants, the admin role and
// the append-only audit log (docs/policies.md). No foreign key to users on the audit log: it
// outlives the users it names.
import type { Kysely } from 'kysely'
import type { Migration } from 'kysely/migration'
import { isPostgres, serialKey } from './dialect.ts'

export const policies: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('policies')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('identity_key', 'text', (c) => c.notNull())
      .addColumn('identity', 'text', (c) => c.notNull())
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('policies_pk', ['kind', 'identity_key'])
      .execute()
    await db.schema
      .createTable('policy_assignments')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('name_key', 'text', (c) => c.notNull())
      .addColumn('assigned_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('policy_assignments_pk', ['user_id', 'kind'])
      .execute()
    await db.schema
      .createIndex('policy_assignments_name')
      .on('policy_assignments')
      .columns(['kind', 'name_key'])
      .execute()
    await db.schema
      .createTable('admins')
      .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('granted_at', 'bigint', (c) => c.notNull())
      .execute()
    // Parley's network-type extension: what each application last said it is on (Wi-Fi-only media).
    await db.schema
      .createTable('application_networks')
      .addColumn('app_id', 'text', (c) => c.primaryKey().references('applications.id').onDelete('cascade'))
      .addColumn('network_type', 'text', (c) => c.notNull())
      .addColumn('reported_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema
      .createTable('audit_log')
      .addColumn('seq', serialKey(db), (c) =>
        isPostgres(db) ? c.primaryKey() : c.primaryKey().autoIncrement(),
      )
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('before', 'text')
      .addColumn('after', 'text')
      .execute()
  },
}
