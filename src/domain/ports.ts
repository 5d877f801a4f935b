// The capabilities the domain needs from the outside world. Adapters implement them
// (src/store, src/platform); src/main.ts chooses which. See docs/architecture.md.
import type { Application, ApplicationUpdate, NewApplication } from './applications/application-types.ts'
import type { ContactGroup, GroupMembership } from './contacts/contact-types.ts'
import type { UserPhoto } from './contacts/photo.ts'
import type { ConversationStore } from './conversations/conversation-store.ts'
import type { ChannelEvent, QueuedEvent } from './events/channel-event.ts'
import type { ConversationLogStore } from './history/conversation-log-store.ts'
import type { ApplicationId, SipUri, UserId } from './ids.ts'
import type { MessagingStore } from './messaging/messaging-store.ts'
import type { PolicyKind } from './policies/kinds.ts'
import type {
  AuditEntry,
  NetworkType,
  NewAuditEntry,
  PolicyAssignment,
  StoredPolicy,
} from './policies/policy-types.ts'
import type { PrivacyLevel } from './presence/presence-rules.ts'
import type {
  PresenceRecord,
  PresenceSubscription,
  PrivacyRelationship,
  Watcher,
} from './presence/presence-types.ts'
import type { NewUser, User, UserPatch } from './users/user-types.ts'

/** Wall-clock time as UTC epoch milliseconds; a fake in unit tests. */
export interface Clock {
  now(): number
}

/** Unpredictable values: tokens and ids. */
export interface Random {
  /** A URL-safe random string carrying `bytes` bytes of entropy. */
  token(bytes: number): string
  /** A new application id: a long decimal number, as real UCWA pools hand out. */
  applicationId(): ApplicationId
  /** A new opaque user id. */
  userId(): UserId
}

/** Hashes and verifies passwords with a memory-hard KDF. */
export interface PasswordHasher {
  hash(password: string): Promise<string>
  /** True when `password` matches `encoded`; never throws for a malformed hash (returns false). */
  verify(password: string, encoded: string): Promise<boolean>
  /** True when `encoded` was made with weaker parameters than today's and should be re-hashed. */
  needsRehash(encoded: string): boolean
}

/** Directory of users and their credentials. */
export interface UserStore {
  insert(
    user: NewUser & { readonly id: UserId; readonly passwordHash: string | null },
    now: number,
  ): Promise<User>
  findBySipUri(uri: SipUri): Promise<User | undefined>
  findById(id: UserId): Promise<User | undefined>
  list(): Promise<User[]>
  update(id: UserId, patch: UserPatch, now: number): Promise<User | undefined>
  /** The stored password hash, or null when the user has none set. */
  passwordHash(id: UserId): Promise<string | null | undefined>
  setPasswordHash(id: UserId, hash: string, now: number): Promise<boolean>
  remove(id: UserId): Promise<boolean>
  /** The user's photo: null when none is set, undefined when there is no such user. */
  photo(id: UserId): Promise<UserPhoto | null | undefined>
  /** Sets (or, with null, removes) the user's photo; false when there is no such user. */
  setPhoto(id: UserId, photo: UserPhoto | null, now: number): Promise<boolean>
}

/** A bearer token as stored: only its SHA-256 digest, never the token itself. */
export interface StoredToken {
  readonly digest: string
  readonly userId: UserId
  /** FQDN of the pool that issued it; tokens are per pool, as on Lync. */
  readonly pool: string
  readonly issuedAt: number
  readonly expiresAt: number
}

export interface TokenStore {
  insert(token: StoredToken): Promise<void>
  find(digest: string): Promise<StoredToken | undefined>
  /** Deletes every token of the user; returns how many. */
  revokeUser(userId: UserId): Promise<number>
  deleteExpired(now: number): Promise<number>
}

export interface ApplicationStore {
  insert(app: NewApplication): Promise<Application>
  find(id: ApplicationId): Promise<Application | undefined>
  findByEndpoint(userId: UserId, endpointId: string): Promise<Application | undefined>
  listByUser(userId: UserId): Promise<Application[]>
  update(id: ApplicationId, update: ApplicationUpdate): Promise<Application | undefined>
  remove(id: ApplicationId): Promise<boolean>
  removeByUser(userId: UserId): Promise<number>
  /** Deletes applications whose idle deadline passed before `before`; returns how many. */
  removeExpired(before: number): Promise<number>
  /** The user's applications that called makeMeAvailable (their presence endpoints). */
  listAvailable(userId: UserId): Promise<Application[]>
}

/**
 * Each application's event queue (docs/events.md). Events are numbered by `seq` (increasing, in
 * append order); the channel groups them into numbered batches, one per P-GET response, and a
 * batch is deleted when the client acknowledges it by asking for the next.
 */
export interface EventStore {
  /**
   * Appends events to their applications' queues, in order; call inside the action's
   * transaction. Returns their seqs, in the order given.
   */
  append(
    entries: readonly (readonly [ApplicationId, readonly ChannelEvent[]])[],
    now: number,
  ): Promise<number[]>
  /** The events of batch `batch`, in order. */
  batch(app: ApplicationId, batch: number): Promise<QueuedEvent[]>
  /** The last batch formed and the events not yet in a batch (oldest first, at most `limit`),
   * in one read; undefined when the app is gone. */
  queue(app: ApplicationId, limit: number): Promise<{ current: number; pending: QueuedEvent[] } | undefined>
  /**
   * Forms batch `batch` (= current + 1): deletes the batches before it (asking for it
   * acknowledged them) and `dropped` (coalesced away), puts `seqs` into it and records it as
   * current. Call inside a transaction.
   */
  formBatch(
    app: ApplicationId,
    batch: number,
    seqs: readonly number[],
    dropped: readonly number[],
  ): Promise<void>
  /**
   * Appends `events` to `app`'s queue as batch `batch` (= current + 1) at once, for a P-GET that
   * waits for it with nothing else queued: deletes the batches before it, as formBatch does. Call
   * inside the action's transaction. Returns their seqs, in order; undefined, having written
   * nothing, when batch `batch - 1` is not the last formed (checked where nodes share the store).
   */
  appendBatch(
    app: ApplicationId,
    batch: number,
    events: readonly ChannelEvent[],
    now: number,
  ): Promise<number[] | undefined>
}

/**
 * Wake-up hints between the code that writes events and the parked P-GETs that wait for them,
 * on this node and (later) every node. Hints only: the store holds the truth, so a lost hint
 * delays an event, never loses it.
 */
export interface EventBus {
  /** Wakes whatever waits on these applications. Call after the events' transaction committed. */
  publish(apps: readonly ApplicationId[]): void
  /** Calls `listener` whenever `app` is published; returns the unsubscribe function. */
  subscribe(app: ApplicationId, listener: () => void): () => void
  /** Calls `listener` with every publish's applications (the channel's "nothing new" memory). */
  watch(listener: (apps: readonly ApplicationId[]) => void): () => void
}

export interface PresenceStore {
  get(userId: UserId): Promise<PresenceRecord | undefined>
  getMany(userIds: readonly UserId[]): Promise<PresenceRecord[]>
  save(record: PresenceRecord): Promise<void>
  /** Users whose aggregate may have changed on its own by `now`. */
  due(now: number, limit: number): Promise<UserId[]>
}

export interface SubscriptionStore {
  create(subscription: PresenceSubscription, uris: readonly string[]): Promise<void>
  find(id: string): Promise<PresenceSubscription | undefined>
  listByApp(app: ApplicationId): Promise<PresenceSubscription[]>
  members(id: string): Promise<string[]>
  /** Adds members; returns the ones that were new. */
  addMembers(id: string, uris: readonly string[]): Promise<string[]>
  removeMember(id: string, uri: string): Promise<boolean>
  extend(id: string, expiresAt: number): Promise<void>
  remove(id: string): Promise<boolean>
  /** Applications with a live subscription (not expired at `now`) that includes `uri`. */
  watchers(uri: string, now: number): Promise<Watcher[]>
  /** Every URI an application watches through live subscriptions. */
  watchedBy(app: ApplicationId, now: number): Promise<string[]>
  /** Deletes subscriptions that expired before `before`. */
  removeExpired(before: number): Promise<number>
  /** Subscriptions that expire at or before `before` (expired ones included), soonest first. */
  expiringBefore(before: number, limit: number): Promise<PresenceSubscription[]>
}

export interface PrivacyStore {
  /** The level `owner` set for `contactUri`, if they set one. */
  level(owner: UserId, contactUri: string): Promise<PrivacyLevel | undefined>
  list(owner: UserId): Promise<PrivacyRelationship[]>
  set(owner: UserId, contactUri: string, level: PrivacyLevel): Promise<void>
  reset(owner: UserId, contactUri: string): Promise<boolean>
}

/**
 * Users' contact lists (docs/contacts.md): groups and (group, contact) memberships, always scoped
 * by the owning user so another user's group answers like a missing one.
 */
export interface ContactStore {
  /** The owner's groups: default, pinned, then their own groups oldest first. */
  groups(owner: UserId): Promise<ContactGroup[]>
  group(owner: UserId, id: string): Promise<ContactGroup | undefined>
  insertGroup(group: ContactGroup): Promise<void>
  renameGroup(owner: UserId, id: string, name: string): Promise<boolean>
  /** Deletes the group and its memberships. */
  removeGroup(owner: UserId, id: string): Promise<boolean>
  /** The owner's memberships (of one group when `groupId` is given), oldest first. */
  memberships(owner: UserId, groupId?: string): Promise<GroupMembership[]>
  /** The groups `contactUri` is in. */
  groupsOf(owner: UserId, contactUri: string): Promise<string[]>
  /** How many distinct contacts the owner's list holds. */
  countContacts(owner: UserId): Promise<number>
  /** Adds a membership; false when it already exists. */
  addMember(owner: UserId, groupId: string, contactUri: string, now: number): Promise<boolean>
  removeMember(owner: UserId, groupId: string, contactUri: string): Promise<boolean>
  /**
   * Enabled directory users whose name, email, SIP URI or phone numbers contain `text`
   * (case-insensitive; `digits`, when given, is matched against phone numbers), ordered by name,
   * at most `limit`.
   */
  searchDirectory(text: string, digits: string | undefined, limit: number): Promise<UserId[]>
}

/** Policy and configuration objects and per-user grants (docs/policies.md). */
export interface PolicyStore {
  /** Every stored object (of one kind when given). */
  list(kind?: PolicyKind): Promise<StoredPolicy[]>
  find(kind: PolicyKind, identity: string): Promise<StoredPolicy | undefined>
  /** Inserts or replaces the object with this kind and (case-insensitive) identity. */
  put(policy: StoredPolicy): Promise<void>
  remove(kind: PolicyKind, identity: string): Promise<boolean>
  /** Every per-user assignment (of one kind when given). */
  assignments(kind?: PolicyKind): Promise<PolicyAssignment[]>
  assignment(userId: UserId, kind: PolicyKind): Promise<string | undefined>
  /** Sets (or, with null, removes) the user's assignment. */
  assign(userId: UserId, kind: PolicyKind, name: string | null, now: number): Promise<void>
  /** Users the named per-user policy is assigned to (case-insensitive name). */
  assignedTo(kind: PolicyKind, name: string): Promise<UserId[]>
  /** Removes every assignment of the named policy; returns how many. */
  unassignAll(kind: PolicyKind, name: string): Promise<number>
  /** Records the network an application says it is on (the network-type extension). */
  reportNetwork(app: ApplicationId, network: NetworkType, now: number): Promise<void>
  /** What the application last reported, if it ever did. */
  networkOf(app: ApplicationId): Promise<NetworkType | undefined>
}

/** The append-only audit log of administrative changes. */
export interface AuditStore {
  append(entry: NewAuditEntry): Promise<AuditEntry>
  /** Newest first, at most `limit`, older than `beforeSeq` when given. */
  list(query: { readonly limit: number; readonly beforeSeq?: number | undefined }): Promise<AuditEntry[]>
}

/** Who holds the admin role (the admin REST API). */
export interface AdminStore {
  isAdmin(userId: UserId): Promise<boolean>
  /** Grants or revokes the role; returns whether anything changed. */
  set(userId: UserId, admin: boolean, now: number): Promise<boolean>
  list(): Promise<UserId[]>
}

/** Cleans HTML instant messages: formatting and links only, nothing that runs or loads. */
export interface HtmlSanitizer {
  sanitize(html: string): string
  /** The text of an HTML message, for endpoints that read only plain text. */
  toText(html: string): string
}

/** Everything durable, behind one object so adapters can share a connection and transactions. */
export interface Store {
  readonly users: UserStore
  readonly tokens: TokenStore
  readonly applications: ApplicationStore
  readonly events: EventStore
  readonly presence: PresenceStore
  readonly subscriptions: SubscriptionStore
  readonly privacy: PrivacyStore
  readonly contacts: ContactStore
  readonly conversations: ConversationStore
  readonly messaging: MessagingStore
  readonly conversationLogs: ConversationLogStore
  readonly policies: PolicyStore
  readonly audit: AuditStore
  readonly admins: AdminStore
  /** Runs `work` in one transaction; the store handed to it is bound to that transaction. */
  transaction<T>(work: (tx: Omit<Store, 'transaction' | 'close'>) => Promise<T>): Promise<T>
  /** True when the store answers a trivial query (readiness probe). */
  ping(): Promise<boolean>
  close(): Promise<void>
}

/**
 * The store cannot be reached right now (a database restart, a network cut). Adapters throw it
 * instead of their driver's error so that callers answer "retry later" (503) rather than fail.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError'
}
