// Creating, finding and ending UCWA applications; the only writer of the `applications` row,
// so this node's cache of them stays true here: presence, policies and users change an
// application through the operations below that take the caller's transaction. See
// docs/applications.md.
import type { Session } from '../auth/auth-service.ts'
import { UcwaError } from '../errors.ts'
import type { ChannelEvent } from '../events/channel-event.ts'
import { commitWithEvents, type EventChannel } from '../events/event-channel.ts'
import { Outbox } from '../events/outbox.ts'
import {
  type AfterCommit,
  type ApplicationHooks,
  type EndpointRights,
  NO_APPLICATION_HOOKS,
  NO_POLICY_CHECKS,
  type PolicyChange,
  type PolicyChecks,
  type Tx,
} from '../hooks.ts'
import type { ApplicationId, UserId } from '../ids.ts'
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
  type ApplicationUpdate,
  type CommunicationSettings,
  DEFAULT_COMMUNICATION,
} from './application-types.ts'

const CACHE_MAX_ENTRIES = 50_000

/** PUT communication's changes: what the request gave (the rest stays as it is). */
export type CommunicationChanges = Partial<CommunicationSettings>

const withChanges = (
  current: CommunicationSettings,
  changes: CommunicationChanges,
): CommunicationSettings => ({
  audioPreference: changes.audioPreference ?? current.audioPreference,
  conversationHistory: changes.conversationHistory ?? current.conversationHistory,
  phoneNumber: changes.phoneNumber === undefined ? current.phoneNumber : changes.phoneNumber,
  publishEndpointLocation: changes.publishEndpointLocation ?? current.publishEndpointLocation,
  supportedMessageFormats: changes.supportedMessageFormats ?? current.supportedMessageFormats,
  supportedModalities: changes.supportedModalities ?? current.supportedModalities,
  videoBasedScreenSharing: changes.videoBasedScreenSharing ?? current.videoBasedScreenSharing,
})

const POLICIES_UPDATED: ChannelEvent = {
  sender: { rel: 'application' },
  link: { rel: 'policies' },
  type: 'updated',
  priority: 'medium',
}
const communicationUpdated = (communication: CommunicationSettings): ChannelEvent => ({
  sender: { rel: 'communication' },
  link: { rel: 'communication' },
  type: 'updated',
  embedded: { communication },
  priority: 'medium',
})

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
  readonly #policies: PolicyChecks
  readonly #hooks: ApplicationHooks

  constructor(deps: {
    store: Store
    clock: Clock
    random: Random
    channel: EventChannel
    settings?: ApplicationSettings
    /** Who may sign in from where, and which modalities they may advertise (the policies). */
    policies?: PolicyChecks
    hooks?: ApplicationHooks
  }) {
    this.#policies = deps.policies ?? NO_POLICY_CHECKS
    this.#hooks = deps.hooks ?? NO_APPLICATION_HOOKS
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
    await this.#policies.admit(session.user, pool, classifyEndpoint(input.type, input.userAgent), access)
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
    if (!result.created) this.#hooks.stale([result.app.id])
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
   * DELETE application: ends it at once. Its conversations hear it leave first (`leaving`); in
   * the removal's transaction the user's presence follows when it was available; its parked
   * P-GET ends after the commit.
   */
  async remove(session: Session, id: ApplicationId): Promise<void> {
    const app = await this.#store.applications.find(id)
    this.#cache.delete(id)
    if (!app || app.userId !== session.user.id) throw new UcwaError('ApplicationNotFound')
    await this.#hooks.leaving(session.user, app)
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      await tx.applications.remove(id)
      if (app.available) await this.#hooks.endpointsChanged(tx, outbox, session.user)
    })
    this.#channel.close(id)
    this.#hooks.stale([id])
  }

  /**
   * PUT communication: the settings the request gave replace the application's (`app`, the copy
   * the request's If-Match matched); modalities the user's policy forbids are dropped, not
   * refused — real clients always offer them (docs/policies.md).
   */
  async setCommunication(
    session: Session,
    app: Application,
    changes: CommunicationChanges,
  ): Promise<Application> {
    await this.use(session, app.id)
    const offered = changes.supportedModalities
    const settings = withChanges(app.communication, {
      ...changes,
      ...(offered
        ? { supportedModalities: await this.#policies.allowedModalities(session.user, offered) }
        : {}),
    })
    const outbox = new Outbox()
    outbox.add(app.id, communicationUpdated(settings))
    const updated = await commitWithEvents(this.#store, this.#channel, outbox, (tx) =>
      tx.applications.update(app.id, { communication: settings }),
    )
    if (!updated) throw new UcwaError('ApplicationNotFound')
    this.#changed(updated)
    return updated
  }

  // ---- changes made inside another service's transaction ---------------------------------------
  // Each writes the row in the caller's transaction and keeps this node's cache (and other
  // processes' copies) true once the caller's change committed (`after`).

  /** makeMeAvailable: the application becomes a presence endpoint with these settings. */
  async markAvailable(
    tx: Tx,
    after: AfterCommit,
    id: ApplicationId,
    communication: CommunicationSettings,
    now: number,
  ): Promise<Application> {
    return this.#write(tx, after, id, { available: true, userActiveAt: now, communication })
  }

  /** reportMyActivity: the user is at this endpoint now. */
  async touchUserActivity(tx: Tx, after: AfterCommit, id: ApplicationId, now: number): Promise<Application> {
    return this.#write(tx, after, id, { userActiveAt: now })
  }

  /**
   * Users' effective mobility policy changed: each live application hears it (`policies`
   * updated); one the policy no longer keeps signed in (a phone without EnableMobility) expires
   * now — 410 on its next request, signing in again is refused — and modalities the user may no
   * longer advertise are dropped (`communication` updated). The users whose applications were
   * rewritten then get their presence recomputed, after every user's events.
   */
  async applyPolicies(
    tx: Tx,
    outbox: Outbox,
    after: AfterCommit,
    changes: readonly PolicyChange[],
  ): Promise<void> {
    const now = this.#clock.now()
    const rewrittenUsers: User[] = []
    for (const { user, rights } of changes) {
      let rewritten = false
      for (const app of await tx.applications.listByUser(user.id)) {
        if (app.expiresAt > now && (await this.#applyPolicy(tx, outbox, after, app, rights, now)))
          rewritten = true
      }
      if (rewritten) rewrittenUsers.push(user)
    }
    for (const user of rewrittenUsers) await this.#hooks.endpointsChanged(tx, outbox, user)
  }

  /** One live application under its user's new rights; true when its row changed. */
  async #applyPolicy(
    tx: Tx,
    outbox: Outbox,
    after: AfterCommit,
    app: Application,
    rights: EndpointRights,
    now: number,
  ): Promise<boolean> {
    if (!rights.keeps(app.kind)) {
      const expired = await tx.applications.update(app.id, { expiresAt: now })
      if (!expired) return false
      this.#changedAfter(after, expired)
      // Wake its parked P-GET: the next request gets 410.
      after.add(() => this.#channel.close(app.id))
      return true
    }
    outbox.add(app.id, POLICIES_UPDATED)
    const modalities = rights.modalities(app.communication.supportedModalities)
    if (modalities.length === app.communication.supportedModalities.length) return false
    const communication = { ...app.communication, supportedModalities: modalities }
    const updated = await tx.applications.update(app.id, { communication })
    if (updated) this.#changedAfter(after, updated)
    outbox.add(app.id, communicationUpdated(communication))
    return updated !== undefined
  }

  /** The user is being removed: their applications go with them. */
  async removeAllOf(tx: Tx, after: AfterCommit, userId: UserId): Promise<void> {
    await tx.applications.removeByUser(userId)
    after.add(() => this.forgetUser(userId))
  }

  async #write(
    tx: Tx,
    after: AfterCommit,
    id: ApplicationId,
    update: ApplicationUpdate,
  ): Promise<Application> {
    const app = await tx.applications.update(id, update)
    if (!app) throw new UcwaError('ApplicationNotFound')
    this.#changedAfter(after, app)
    return app
  }

  #changedAfter(after: AfterCommit, app: Application): void {
    after.add(() => this.#changed(app))
  }

  /** This node keeps the committed row; other processes drop their copies. */
  #changed(app: Application): void {
    this.#remember(app)
    this.#hooks.stale([app.id])
  }

  /** Deletes applications expired longer than the retention window; returns how many. */
  async sweep(): Promise<number> {
    const before = this.#clock.now() - this.#settings.expiredRetentionSeconds * 1000
    for (const [id, entry] of this.#cache) if (entry.app.expiresAt < before) this.#cache.delete(id)
    return this.#store.applications.removeExpired(before)
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
