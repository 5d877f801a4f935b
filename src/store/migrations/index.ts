// Versioned schema migrations, shared by every SQL dialect (Kysely's schema builder writes the
// dialect's DDL). Append new migrations; never edit a released one. See docs/store.md.
import { type Kysely, PostgresAdapter, sql } from 'kysely'
import type { Migration } from 'kysely/migration'

// The few types SQLite and PostgreSQL spell differently. These branches never change what SQLite
// gets: they were added when PostgreSQL arrived, and no migration had ever run there before.
const isPostgres = (db: Kysely<unknown>) => db.getExecutor().adapter instanceof PostgresAdapter
/** An increasing row number: SQLite's rowid alias, a PostgreSQL identity (bigint). */
const serialKey = (db: Kysely<unknown>) => (isPostgres(db) ? 'bigserial' : 'integer')
const bytes = (db: Kysely<unknown>) => (isPostgres(db) ? 'bytea' : 'blob')

const initial: Migration = {
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

// The event channel: one queue per application, numbered batches (docs/events.md).
const events: Migration = {
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

// Presence, presence subscriptions, privacy relationships, contact groups and photos.
const presence: Migration = {
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

// The modalities a user's live endpoints offer, published with their presence.
const presenceModalities: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('presence')
      .addColumn('modalities', 'text', (c) => c.notNull().defaultTo('[]'))
      .execute()
  },
}

// Instant messaging: conversations, each application's view of them, invitations and messages.
const messaging: Migration = {
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

// Conversation history and missed conversations: one log per user and conversation, each with
// its own transcript (docs/messaging.md). A removed user's logs go with them.
const conversationLogs: Migration = {
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

// Multi-party messaging: addParticipant invitations, the escalation to an ad-hoc conference, and
// the message horizon of each view (a participant added later reads only what follows).
const messagingMultiparty: Migration = {
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

// Policies and administration: policy/configuration objects, per-user grants, the admin role and
// the append-only audit log (docs/policies.md). No foreign key to users on the audit log: it
// outlives the users it names.
const policies: Migration = {
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

// A message is stored once: a log's transcript refers to the messages its owner received
// (conversation_log_messages) instead of holding a copy of each (docs/messaging.md, "History").
// One small B-tree (WITHOUT ROWID on SQLite) is the whole per-message cost of history. The
// invitation's first message stays in conversation_log_entries (it is not a message row).
const transcriptReferences: Migration = {
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

// A conversation's version, bumped whenever one of its members, views or logs changes (inserted,
// updated, deleted — cascades included, whoever writes): the scene cache
// (src/store/kysely/scene-cache.ts) trusts what it holds only at the version it read it.
const SCENE_TABLES = ['conversation_members', 'conversation_views', 'conversation_logs'] as const
const conversationVersions: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('conversations')
      .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute()
    if (isPostgres(db)) {
      await sql`create function bump_conversation_version() returns trigger language plpgsql as $$
        begin
          if tg_op <> 'INSERT' then
            update conversations set version = version + 1 where id = old.conversation_id;
          end if;
          if tg_op <> 'DELETE' then
            update conversations set version = version + 1 where id = new.conversation_id;
          end if;
          return null;
        end $$`.execute(db)
      for (const table of SCENE_TABLES) {
        await sql`create trigger ${sql.raw(`${table}_version`)} after insert or update or delete
          on ${sql.table(table)} for each row execute function bump_conversation_version()`.execute(db)
      }
      return
    }
    for (const table of SCENE_TABLES) {
      const bump = (row: 'new' | 'old') =>
        sql.raw(`update conversations set version = version + 1 where id = ${row}.conversation_id;`)
      await sql`create trigger ${sql.raw(`${table}_inserted`)} after insert on ${sql.table(table)}
        begin ${bump('new')} end`.execute(db)
      await sql`create trigger ${sql.raw(`${table}_updated`)} after update on ${sql.table(table)}
        begin ${bump('old')} ${bump('new')} end`.execute(db)
      await sql`create trigger ${sql.raw(`${table}_deleted`)} after delete on ${sql.table(table)}
        begin ${bump('old')} end`.execute(db)
    }
  },
}

// Ended conversations are purged once no conversation log keeps them (MessagingService.purgeEnded):
// the purge finds them by their end time.
const conversationsEnded: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('conversations_ended').on('conversations').column('ended_at').execute()
  },
}

/** Every migration by name; names sort in the order they apply. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_events': events,
  '0003_presence_contacts': presence,
  '0004_presence_modalities': presenceModalities,
  '0005_messaging': messaging,
  '0006_conversation_logs': conversationLogs,
  '0007_messaging_multiparty': messagingMultiparty,
  '0009_policies': policies,
  '0010_transcript_references': transcriptReferences,
  '0011_conversation_versions': conversationVersions,
  '0012_conversations_ended': conversationsEnded,
}
