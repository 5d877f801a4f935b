// A Store over any Kysely dialect: the repositories are dialect-neutral SQL, so the SQLite and
// PostgreSQL adapters differ only in how they open the connection (and PostgreSQL's transactions
// take the entity locks of locks.ts). See docs/store.md.
import type { Kysely } from 'kysely'
import { type MigrationProvider, Migrator } from 'kysely/migration'
import type { ApplicationId } from '../../domain/ids.ts'
import type { Store } from '../../domain/ports.ts'
import { MIGRATIONS } from '../migrations/index.ts'
import { KyselyApplicationStore } from './application-repository.ts'
import { KyselyContactStore } from './contact-repository.ts'
import { KyselyConversationLogStore } from './conversation-log-repository.ts'
import { KyselyConversationStore } from './conversation-repository.ts'
import type { Database } from './database.ts'
import { KyselyEventStore } from './event-repository.ts'
import { GroupCommit } from './group-commit.ts'
import { advisoryLock, type EntityLock, NO_LOCK } from './locks.ts'
import { KyselyMessagingStore } from './messaging-repository.ts'
import { KyselyAdminStore, KyselyAuditStore, KyselyPolicyStore } from './policy-repository.ts'
import type { DirectExecutor } from './prepared.ts'
import { KyselyPresenceStore } from './presence-repository.ts'
import { KyselyPrivacyStore } from './privacy-repository.ts'
import { SceneCache, type SceneScope } from './scene-cache.ts'
import { KyselySubscriptionStore } from './subscription-repository.ts'
import { KyselyTokenStore } from './token-repository.ts'
import { KyselyUserStore } from './user-repository.ts'

type Repositories = Omit<Store, 'transaction' | 'close'>

// Bound parameters per query stay far below SQLite's and PostgreSQL's limits.
const PENDING_CHUNK = 500

export type Dialect = 'sqlite' | 'postgres'

type Parts = { -readonly [K in keyof Omit<Repositories, 'ping'>]?: Repositories[K] }

/**
 * The repositories over `db`, each made when first used: a transaction uses two or three of the
 * fourteen, and the message path runs several transactions per message. `lock` is NO_LOCK
 * outside transactions and on SQLite (see locks.ts); `scenes`, on a store that keeps a scene
 * cache, gives a transaction its window on it (one per transaction, shared by its repositories).
 */
abstract class LazyRepositories implements Repositories {
  readonly #db: Kysely<Database>
  readonly #lock: EntityLock
  readonly #scenes: SceneCache | undefined
  #window: SceneScope | undefined
  readonly #made: Parts = {}

  constructor(db: Kysely<Database>, lock: EntityLock = NO_LOCK, scenes?: SceneCache) {
    this.#db = db
    this.#lock = lock
    this.#scenes = scenes
  }

  get #scope(): SceneScope | undefined {
    if (this.#scenes) this.#window ??= this.#scenes.open()
    return this.#window
  }

  get users() {
    this.#made.users ??= new KyselyUserStore(this.#db, this.#scope)
    return this.#made.users
  }
  get tokens() {
    this.#made.tokens ??= new KyselyTokenStore(this.#db)
    return this.#made.tokens
  }
  get applications() {
    this.#made.applications ??= new KyselyApplicationStore(this.#db, this.#lock, this.#scope)
    return this.#made.applications
  }
  get events() {
    this.#made.events ??= new KyselyEventStore(this.#db, this.#lock)
    return this.#made.events
  }
  get presence() {
    this.#made.presence ??= new KyselyPresenceStore(this.#db, this.#lock)
    return this.#made.presence
  }
  get subscriptions() {
    this.#made.subscriptions ??= new KyselySubscriptionStore(this.#db)
    return this.#made.subscriptions
  }
  get privacy() {
    this.#made.privacy ??= new KyselyPrivacyStore(this.#db)
    return this.#made.privacy
  }
  get conversations() {
    this.#made.conversations ??= new KyselyConversationStore(this.#db, this.#lock, this.#scope)
    return this.#made.conversations
  }
  get messaging() {
    this.#made.messaging ??= new KyselyMessagingStore(this.#db)
    return this.#made.messaging
  }
  get conversationLogs() {
    this.#made.conversationLogs ??= new KyselyConversationLogStore(this.#db, this.#scope)
    return this.#made.conversationLogs
  }
  get contacts() {
    this.#made.contacts ??= new KyselyContactStore(this.#db, this.#lock)
    return this.#made.contacts
  }
  get policies() {
    this.#made.policies ??= new KyselyPolicyStore(this.#db)
    return this.#made.policies
  }
  get audit() {
    this.#made.audit ??= new KyselyAuditStore(this.#db)
    return this.#made.audit
  }
  get admins() {
    this.#made.admins ??= new KyselyAdminStore(this.#db)
    return this.#made.admins
  }

  abstract ping(): Promise<boolean>
}

/** What `KyselyStore.transaction` hands its work: repositories bound to the transaction. */
class TransactionRepositories extends LazyRepositories {
  readonly #store: Store

  constructor(trx: Kysely<Database>, store: Store, lock: EntityLock, scenes: SceneCache | undefined) {
    super(trx, lock, scenes)
    this.#store = store
  }

  ping(): Promise<boolean> {
    return this.#store.ping()
  }
}

/** The store: its repositories outside any transaction, and transactions. */
export class KyselyStore extends LazyRepositories implements Store {
  readonly #db: Kysely<Database>
  readonly #onClose: () => Promise<void>
  readonly #group: GroupCommit | undefined
  readonly #scenes: SceneCache | undefined
  readonly dialect: Dialect

  /**
   * `onClose` releases what the adapter opened beside the connection (e.g. SQLite's
   * checkpointer); `groupCommit` shares COMMITs between the transactions of one event-loop turn
   * (for a single-connection database, see group-commit.ts). Its transactions also share a scene
   * cache (scene-cache.ts): with one connection, a rollback is always seen here to clear it.
   */
  constructor(
    db: Kysely<Database>,
    onClose: () => Promise<void> = async () => undefined,
    options: {
      dialect: Dialect
      groupCommit?: boolean
      commitPacingMs?: number
      /** Runs a statement on the single connection at once (group-commit.ts). */
      direct?: DirectExecutor
    } = { dialect: 'sqlite' },
  ) {
    super(db)
    this.#db = db
    this.#onClose = onClose
    this.dialect = options.dialect
    const scenes = options.groupCommit ? new SceneCache() : undefined
    this.#scenes = scenes
    this.#group = options.groupCommit
      ? new GroupCommit(db, options.commitPacingMs, options.direct, () => scenes?.clear())
      : undefined
  }

  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
    const locking = this.dialect === 'postgres'
    const run = (trx: Kysely<Database>) =>
      work(new TransactionRepositories(trx, this, locking ? advisoryLock(trx) : NO_LOCK, this.#scenes))
    return this.#group ? this.#group.run(run) : this.#db.transaction().execute(run)
  }

  /**
   * Lets no new write transaction start until the returned `release` is called; resolves once
   * the one running (if any) has committed. Only a group-commit store holds anything (SQLite's
   * checkpointer uses it to restart the WAL, sqlite-store.ts).
   */
  holdWrites(): Promise<() => void> {
    return this.#group ? this.#group.hold() : Promise.resolve(() => undefined)
  }

  /**
   * Which of `apps` have events not yet in a batch: the cluster bus's sweep wakes only those
   * (a parked P-GET with nothing queued has nothing to gain from looking).
   */
  async pendingAmong(apps: readonly ApplicationId[]): Promise<ApplicationId[]> {
    const found: ApplicationId[] = []
    for (let i = 0; i < apps.length; i += PENDING_CHUNK) {
      const rows = await this.#db
        .selectFrom('events')
        .select('app_id')
        .distinct()
        .where('batch', 'is', null)
        .where('app_id', 'in', apps.slice(i, i + PENDING_CHUNK))
        .execute()
      for (const row of rows) found.push(row.app_id as ApplicationId)
    }
    return found
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
