// Creating, finding and ending UCWA applications. See docs/applications.md.
import type { Session } from '../auth/auth-service.ts'
import { UcwaError } from '../errors.ts'
import { commitWithEvents, type EventChannel } from '../events/event-channel.ts'
import { Outbox } from '../events/outbox.ts'
import type { ApplicationId } from '../ids.ts'
import type { Clock, Random, Store } from '../ports.ts'
import type { AccessLocation } from '../topology/topology.ts'
import type { User } from '../users/user-types.ts'
import {
  type ApplicationSettings,
  classifyEndpoint,
  DEFAULT_APPLICATIONS,
  idleDeadline,
  isExpired,
} from './application-rules.ts'
import {
  type Application,
  type ApplicationInput,
  type CommunicationSettings,
  DEFAULT_COMMUNICATION,
  type EndpointKind,
} from './application-types.ts'

const CACHE_MAX_ENTRIES = 50_000

/** Throws (a UcwaError) when policy keeps `user` from creating an application of `kind` on `pool`
 * through a listener at `access` (docs/policies.md). */
export type Admit = (user: User, pool: string, kind: EndpointKind, access: AccessLocation) => Promise<void>

// Every request under /applications/{id} needs its application: a per-node cache keeps that
// read off the store on the hot path (docs/benchmarks.md measured it at half a request's cost).
interface Cached {
  readonly app: Application
  readonly checkedAt: number
}

export class ApplicationService {
  readonly #cache = new Map<ApplicationId, Cached>()
  readonly #store: Store
  readonly #channel: EventChannel
  readonly #clock: Clock
  readonly #random: Random
  readonly #settings: ApplicationSettings
  readonly #admit: Admit
  readonly #announce: (ids: readonly ApplicationId[]) => void
  readonly #leaving: (user: User, app: Application) => Promise<void>
  readonly #gone: (user: User) => Promise<void>

  constructor(deps: {
    store: Store
    clock: Clock
    random: Random
    channel: EventChannel
    settings?: ApplicationSettings
    admit?: Admit
    /** Tells the other nodes of a cluster that their cached copies of these are stale. */
    announce?: (ids: readonly ApplicationId[]) => void
    /** Before an application is removed: its conversations hear it leave. */
    leaving?: (user: User, app: Application) => Promise<void>
    /** After an available application was removed: the user's presence is recomputed. */
    gone?: (user: User) => Promise<void>
  }) {
    this.#admit = deps.admit ?? (async () => undefined)
    this.#leaving = deps.leaving ?? (async () => undefined)
    this.#gone = deps.gone ?? (async () => undefined)
    this.#announce = deps.announce ?? (() => undefined)
    this.#store = deps.store
    this.#channel = deps.channel
    this.#clock = deps.clock
    this.#random = deps.random
    this.#settings = deps.settings ?? DEFAULT_APPLICATIONS
  }

  get settings(): ApplicationSettings {
    return this.#settings
  }

  /**
   * POST applications. The same user and endpointId get the same application back (`created`
   * false), as UCWA's multi-tab rules say; clients re-POST and rely on it.
   */
  async create(
    session: Session,
    pool: string,
    input: ApplicationInput,
    access: AccessLocation = 'Internal',
  ): Promise<{ app: Application; created: boolean }> {
    if (session.user.homePool !== pool) throw new UcwaError('UserNotHomedHere')
    await this.#admit(session.user, pool, classifyEndpoint(input.type, input.userAgent), access)
    const now = this.#clock.now()
    const userId = session.user.id
    const result = await this.#store.transaction(async (tx) => {
      const existing = await tx.applications.findByEndpoint(userId, input.endpointId)
      if (existing && !isExpired(existing, now)) {
        const app = await tx.applications.update(existing.id, {
          userAgent: input.userAgent,
          culture: input.culture,
          instanceId: input.instanceId ?? existing.instanceId,
          lastActivityAt: now,
          expiresAt: idleDeadline(existing.kind, now, this.#settings),
        })
        return { app: app ?? existing, created: false }
      }
      if (existing) await tx.applications.remove(existing.id)
      const live = (await tx.applications.listByUser(userId)).filter((a) => !isExpired(a, now))
      if (live.length >= this.#settings.maxPerUser) {
        throw new UcwaError('TooManyApplications', {
          message: `This user already has ${live.length} applications (the limit is ${this.#settings.maxPerUser}); delete one or let it expire.`,
        })
      }
      const kind = classifyEndpoint(input.type, input.userAgent)
      const app = await tx.applications.insert({
        id: this.#random.applicationId(),
        userId,
        pool,
        endpointId: input.endpointId,
        userAgent: input.userAgent,
        culture: input.culture,
        type: input.type ?? 'Browser',
        instanceId: input.instanceId ?? null,
        kind,
        createdAt: now,
        lastActivityAt: now,
        expiresAt: idleDeadline(kind, now, this.#settings),
        communication: DEFAULT_COMMUNICATION,
      })
      return { app, created: true }
    })
    this.#remember(result.app)
    if (!result.created) this.#announce([result.app.id])
    return result
  }

  /**
   * The caller's application, counting the request as activity. Another user's application
   * answers exactly like a missing one (404), so ids leak nothing.
   */
  async use(session: Session, id: ApplicationId): Promise<Application> {
    const now = this.#clock.now()
    const app = await this.#read(id, now)
    if (!app || app.userId !== session.user.id) throw new UcwaError('ApplicationNotFound')
    if (isExpired(app, now)) throw new UcwaError('InactiveApplicationExpired')
    if (!this.#activityDue(app, now)) return app
    const touched = await this.#store.applications.update(id, {
      lastActivityAt: now,
      expiresAt: idleDeadline(app.kind, now, this.#settings),
    })
    if (!touched) {
      this.#cache.delete(id)
      throw new UcwaError('ApplicationNotFound')
    }
    this.#remember(touched)
    return touched
  }

  /**
   * The caller's application as the store has it now, whatever this node's copy says: for a
   * refusal this node's copy would cause (it may predate a change made on another node moments
   * ago, before that node's announcement arrived). Not for the hot path.
   */
  async reread(session: Session, id: ApplicationId): Promise<Application> {
    const app = await this.#store.applications.find(id)
    if (!app || app.userId !== session.user.id) {
      this.#cache.delete(id)
      throw new UcwaError('ApplicationNotFound')
    }
    this.#remember(app)
    return app
  }

  /**
   * What `use` answers when this node's cached copy settles it with no write due: the caller's
   * live application; undefined otherwise (then `use` decides, errors included). Lets the
   * per-request path skip its promises when the store has nothing to say.
   */
  cachedUse(session: Session, id: ApplicationId): Application | undefined {
    const now = this.#clock.now()
    const app = this.#cached(id, now)
    const settled =
      app && app.userId === session.user.id && !isExpired(app, now) && !this.#activityDue(app, now)
    return settled ? app : undefined
  }

  /** Whether this request's activity must be written (the last write is over the interval old). */
  #activityDue(app: Application, now: number): boolean {
    return now - app.lastActivityAt >= this.#settings.activityWriteIntervalSeconds * 1000
  }

  /**
   * DELETE application: ends it at once. Its conversations hear it leave first (`leaving`), its
   * parked P-GET ends, and the user's presence follows when it was available (`gone`).
   */
  async remove(session: Session, id: ApplicationId): Promise<void> {
    const app = await this.#store.applications.find(id)
    this.#cache.delete(id)
    if (!app || app.userId !== session.user.id) throw new UcwaError('ApplicationNotFound')
    await this.#leaving(session.user, app)
    await this.#store.applications.remove(id)
    this.#channel.close(id)
    this.#announce([id])
    if (app.available) await this.#gone(session.user)
  }

  /** PUT communication: replaces the user-settable settings. */
  async setCommunication(
    session: Session,
    id: ApplicationId,
    settings: CommunicationSettings,
  ): Promise<Application> {
    await this.use(session, id)
    const outbox = new Outbox()
    outbox.add(id, {
      sender: { rel: 'communication' },
      link: { rel: 'communication' },
      type: 'updated',
      embedded: { communication: settings },
      priority: 'medium',
    })
    const app = await commitWithEvents(this.#store, this.#channel, outbox, (tx) =>
      tx.applications.update(id, { communication: settings }),
    )
    if (!app) throw new UcwaError('ApplicationNotFound')
    this.#remember(app)
    this.#announce([id])
    return app
  }

  /** Deletes applications expired longer than the retention window; returns how many. */
  async sweep(): Promise<number> {
    const before = this.#clock.now() - this.#settings.expiredRetentionSeconds * 1000
    for (const [id, entry] of this.#cache) if (entry.app.expiresAt < before) this.#cache.delete(id)
    return this.#store.applications.removeExpired(before)
  }

  /** Records an application another service changed in the store (keeps this node's cache true). */
  remember(app: Application): void {
    this.#remember(app)
    this.#announce([app.id])
  }

  /** Drops cached copies another node announced stale. */
  forget(ids: readonly ApplicationId[]): void {
    for (const id of ids) this.#cache.delete(id)
  }

  /** Drops cached applications of a user whose applications were removed behind this service. */
  forgetUser(userId: Application['userId']): void {
    for (const [id, entry] of this.#cache) if (entry.app.userId === userId) this.#cache.delete(id)
  }

  /** This node's copy of the application, when it was read less than cacheSeconds ago. */
  #cached(id: ApplicationId, now: number): Application | undefined {
    const cached = this.#cache.get(id)
    return cached && now - cached.checkedAt < this.#settings.cacheSeconds * 1000 ? cached.app : undefined
  }

  async #read(id: ApplicationId, now: number): Promise<Application | undefined> {
    const cached = this.#cached(id, now)
    if (cached) return cached
    const app = await this.#store.applications.find(id)
    if (app) this.#remember(app, now)
    else this.#cache.delete(id)
    return app
  }

  #remember(app: Application, now = this.#clock.now()): void {
    this.#cache.delete(app.id) // re-insert: the map's order is the eviction order
    this.#cache.set(app.id, { app, checkedAt: now })
    if (this.#cache.size > CACHE_MAX_ENTRIES) {
      const oldest = this.#cache.keys().next().value
      if (oldest !== undefined) this.#cache.delete(oldest)
    }
  }
}
