// A Store over any Kysely dialect: the repositories are dialect-neutral SQL, so the SQLite and
// (later) PostgreSQL adapters differ only in how they open the connection. See docs/store.md.
import type { Kysely } from 'kysely'
import { type MigrationProvider, Migrator } from 'kysely/migration'
import type { Store } from '../../domain/ports.ts'
import { MIGRATIONS } from '../migrations/index.ts'
import { KyselyApplicationStore } from './application-repository.ts'
import { KyselyContactStore } from './contact-repository.ts'
import { KyselyConversationLogStore } from './conversation-log-repository.ts'
import type { Database } from './database.ts'
import { KyselyEventStore } from './event-repository.ts'
import { GroupCommit } from './group-commit.ts'
import { KyselyMessagingStore } from './messaging-repository.ts'
import { KyselyAdminStore, KyselyAuditStore, KyselyPolicyStore } from './policy-repository.ts'
import { KyselyPresenceStore } from './presence-repository.ts'
import { KyselyPrivacyStore } from './privacy-repository.ts'
import { KyselySubscriptionStore } from './subscription-repository.ts'
import { KyselyTokenStore } from './token-repository.ts'
import { KyselyUserStore } from './user-repository.ts'

type Repositories = Omit<Store, 'transaction' | 'close'>

function repositories(db: Kysely<Database>): Omit<Repositories, 'ping'> {
  return {
    users: new KyselyUserStore(db),
    tokens: new KyselyTokenStore(db),
    applications: new KyselyApplicationStore(db),
    events: new KyselyEventStore(db),
    presence: new KyselyPresenceStore(db),
    subscriptions: new KyselySubscriptionStore(db),
    privacy: new KyselyPrivacyStore(db),
    messaging: new KyselyMessagingStore(db),
    conversationLogs: new KyselyConversationLogStore(db),
    contacts: new KyselyContactStore(db),
    policies: new KyselyPolicyStore(db),
    audit: new KyselyAuditStore(db),
    admins: new KyselyAdminStore(db),
  }
}

export class KyselyStore implements Store {
  readonly #db: Kysely<Database>
  readonly users
  readonly tokens
  readonly applications
  readonly events
  readonly presence
  readonly subscriptions
  readonly privacy
  readonly messaging
  readonly conversationLogs
  readonly contacts
  readonly policies
  readonly audit
  readonly admins

  readonly #onClose: () => Promise<void>
  readonly #group: GroupCommit | undefined

  /**
   * `onClose` releases what the adapter opened beside the connection (e.g. SQLite's
   * checkpointer); `groupCommit` shares COMMITs between the transactions of one event-loop turn
   * (for a single-connection database, see group-commit.ts).
   */
  constructor(db: Kysely<Database>, options: { onClose?: () => Promise<void>; groupCommit?: boolean } = {}) {
    this.#db = db
    this.#onClose = options.onClose ?? (async () => undefined)
    this.#group = options.groupCommit ? new GroupCommit(db) : undefined
    const repos = repositories(db)
    this.users = repos.users
    this.tokens = repos.tokens
    this.applications = repos.applications
    this.events = repos.events
    this.presence = repos.presence
    this.subscriptions = repos.subscriptions
    this.privacy = repos.privacy
    this.messaging = repos.messaging
    this.conversationLogs = repos.conversationLogs
    this.contacts = repos.contacts
    this.policies = repos.policies
    this.audit = repos.audit
    this.admins = repos.admins
  }

  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
    const run = (trx: Kysely<Database>) => work({ ...repositories(trx), ping: () => this.ping() })
    return this.#group ? this.#group.run(run) : this.#db.transaction().execute(run)
  }

  async ping(): Promise<boolean> {
    try {
      await this.#db.selectFrom('users').select('id').limit(1).execute()
      return true
    } catch {
      return false
    }
  }

  async close(): Promise<void> {
    await this.#group?.idle()
    await this.#db.destroy()
    await this.#onClose()
  }
}

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS }

/** Brings the schema to the latest version; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider })
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown'
    throw new Error(`database migration ${failed} failed`, { cause: error })
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}
