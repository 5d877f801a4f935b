// Versioned schema migrations, shared by every SQL dialect (Kysely's schema builder writes the
// dialect's DDL): one file per migration, named after its id. Append new migrations; never edit a
// released one. See docs/store.md.
import type { Migration } from 'kysely/migration'
import { initial } from './0001-initial.ts'
import { events } from './0002-events.ts'
import { presence } from './0003-presence-contacts.ts'
import { presenceModalities } from './0004-presence-modalities.ts'
import { messaging } from './0005-messaging.ts'
import { conversationLogs } from './0006-conversation-logs.ts'
import { messagingMultiparty } from './0007-messaging-multiparty.ts'
import { policies } from './0009-policies.ts'
import { transcriptReferences } from './0010-transcript-references.ts'
import { conversationVersions } from './0011-conversation-versions.ts'
import { conversationsEnded } from './0012-conversations-ended.ts'

/**
 * Every migration by name; names sort in the order they apply, and `kysely_migration` records
 * them: never rename one. (There is no 0008.)
 */
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
