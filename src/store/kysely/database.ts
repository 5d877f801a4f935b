import type { Generated } from 'kysely'

// Table shapes as Kysely sees them. One schema for SQLite and PostgreSQL: times are epoch
// milliseconds (bigint-safe numbers), booleans are 0/1 integers, small documents are JSON text.

export interface UsersTable {
  id: string
  sip_uri: string
  display_name: string
  email: string | null
  title: string | null
  department: string | null
  phones: string
  home_pool: string
  enterprise_voice: number
  line_uri: string | null
  enabled: number
  password_hash: string | null
  created_at: number
  updated_at: number
  photo: Uint8Array | null
  photo_type: string | null
  out_of_office_note: string | null
}

export interface TokensTable {
  digest: string
  user_id: string
  pool: string
  issued_at: number
  expires_at: number
}

export interface ApplicationsTable {
  id: string
  user_id: string
  pool: string
  endpoint_id: string
  user_agent: string
  culture: string
  type: string
  instance_id: string | null
  kind: string
  created_at: number
  last_activity_at: number
  expires_at: number
  communication: string
  /** The last event batch formed for this application's channel (0 before the first). */
  event_batch: Generated<number>
  /** 1 once makeMeAvailable was called: the endpoint takes part in presence. */
  available: Generated<number>
  /** Last user activity (makeMeAvailable, reportMyActivity): drives Inactive and Away. */
  user_active_at: Generated<number>
}

export interface PresenceTable {
  user_id: string
  manual: string | null
  note: string | null
  location: string | null
  availability: Generated<string>
  activity: string | null
  device_type: Generated<string>
  last_active_at: number | null
  next_check_at: number | null
  updated_at: number
  /** JSON array: the union of the live endpoints' supportedModalities. */
  modalities: Generated<string>
}

export interface PresenceSubscriptionsTable {
  id: string
  app_id: string
  expires_at: number
  created_at: number
}

export interface PresenceSubscriptionMembersTable {
  subscription_id: string
  uri: string
}

export interface PrivacyRelationshipsTable {
  owner_id: string
  contact_uri: string
  level: string
}

export interface ContactGroupsTable {
  id: string
  owner_id: string
  /** default | pinned | user */
  kind: string
  name: string
  created_at: number
}

export interface ContactGroupMembersTable {
  group_id: string
  owner_id: string
  contact_uri: string
  created_at: number
}

export interface EventsTable {
  seq: Generated<number>
  app_id: string
  batch: number | null
  priority: string
  payload: string
  created_at: number
}

export interface ConversationsTable {
  id: string
  thread_id: string
  subject: Generated<string>
  importance: Generated<string>
  /** p2p | escalating | conference */
  mode: Generated<string>
  created_at: number
  ended_at: number | null
  /** Bumped by triggers on any change to its members, views or logs (scene-cache.ts). */
  version: Generated<number>
}

export interface ConversationMembersTable {
  conversation_id: string
  user_id: string
  uri: string
  name: string
  /** invited | connected | left */
  state: string
  joined_at: number
}

/** One application's view of a conversation: who gets its events, and its state there. */
export interface ConversationViewsTable {
  conversation_id: string
  app_id: string
  user_id: string
  /** Incoming | Connecting | Connected | Disconnected */
  state: string
  /** the messaging modality's state: Connecting | Connected | Disconnected */
  messaging: string
  /** messages with a higher seq are this view's to read */
  since_seq: Generated<number>
  created_at: number
}

export interface InvitationsTable {
  id: string
  /** messaging (startMessaging) | participant (addParticipant) */
  kind: Generated<string>
  conversation_id: string
  from_user_id: string
  from_app_id: string
  to_uri: string
  to_user_id: string | null
  operation_id: string | null
  message_type: string | null
  message_body: string | null
  /** Connecting | Connected | Failed */
  state: string
  reason: string | null
  answered_app_id: string | null
  created_at: number
  expires_at: number
}

export interface MessagesTable {
  seq: Generated<number>
  conversation_id: string
  sender_user_id: string
  sender_app_id: string
  content_type: string
  body: string
  operation_id: string | null
  created_at: number
}

/** One user's record of one past conversation (docs/messaging.md). */
export interface ConversationLogsTable {
  id: string
  user_id: string
  conversation_id: string
  thread_id: string
  subject: string
  importance: string
  /** Incoming | Outgoing */
  direction: string
  /** Missed | Archived */
  status: string
  unread: number
  preview: string
  /** JSON array of {uri, name}: the other people in the conversation. */
  recipients: string
  started_at: number
  last_at: number
  ended_at: number | null
}

/** One message of a conversation log's transcript. */
export interface ConversationLogEntriesTable {
  log_id: string
  entry_key: string
  ord: number
  sender_user_id: string | null
  sender_uri: string
  sender_name: string
  content_type: string
  body: string
  created_at: number
}

/** A message in a conversation log's transcript: a reference to the stored message. */
export interface ConversationLogMessagesTable {
  log_id: string
  seq: number
}

/** Policy and configuration objects (docs/policies.md): complete settings as JSON. */
export interface PoliciesTable {
  /** mobility-policy | mcx-config | push-config */
  kind: string
  /** The identity lower-cased: identities are case-insensitive. */
  identity_key: string
  identity: string
  settings: string
  updated_at: number
}

/** Per-user grants of per-user policies (Grant-CsMobilityPolicy). */
export interface PolicyAssignmentsTable {
  user_id: string
  kind: string
  name: string
  name_key: string
  assigned_at: number
}

/** The network type each application last reported (Parley's extension). */
export interface ApplicationNetworksTable {
  app_id: string
  network_type: string
  reported_at: number
}

export interface AdminsTable {
  user_id: string
  granted_at: number
}

/** Append-only: rows are inserted, never updated or deleted. */
export interface AuditLogTable {
  seq: Generated<number>
  at: number
  actor: string
  action: string
  target: string
  before: string | null
  after: string | null
}

export interface Database {
  policies: PoliciesTable
  policy_assignments: PolicyAssignmentsTable
  admins: AdminsTable
  application_networks: ApplicationNetworksTable
  audit_log: AuditLogTable
  conversation_logs: ConversationLogsTable
  conversation_log_entries: ConversationLogEntriesTable
  conversation_log_messages: ConversationLogMessagesTable
  conversation_members: ConversationMembersTable
  conversation_views: ConversationViewsTable
  conversations: ConversationsTable
  invitations: InvitationsTable
  messages: MessagesTable
  contact_group_members: ContactGroupMembersTable
  contact_groups: ContactGroupsTable
  events: EventsTable
  presence: PresenceTable
  presence_subscription_members: PresenceSubscriptionMembersTable
  presence_subscriptions: PresenceSubscriptionsTable
  privacy_relationships: PrivacyRelationshipsTable
  users: UsersTable
  tokens: TokensTable
  applications: ApplicationsTable
}
