// Presence subscriptions (docs/protocol.md §5.3), contact presence views and privacy relationships
// (§6). An application watches contacts through short-lived subscriptions; PresenceService fans
// their changes out to it (SubscriptionStore.watchers). See docs/presence.md.
import type { Application } from '../applications/application-types.ts'
import type { Session } from '../auth/auth-service.ts'
import { UcwaError } from '../errors.ts'
import type { ChannelEvent, EventType, Ref } from '../events/channel-event.ts'
import { commitWithEvents, type EventChannel } from '../events/event-channel.ts'
import { Outbox } from '../events/outbox.ts'
import type { ApplicationId } from '../ids.ts'
import type { Clock, Random, Store } from '../ports.ts'
import type { User } from '../users/user-types.ts'
import type { PresenceView, PrivacyLevel } from './presence-rules.ts'
import { contactEvents, type PresenceService } from './presence-service.ts'
import type { PresenceSubscription, PrivacyRelationship } from './presence-types.ts'
import {
  contactUriOf,
  DEFAULT_SUBSCRIPTION_SETTINGS,
  expiryOf,
  extendedExpiry,
  type SubscriptionSettings,
} from './subscription-rules.ts'

type Tx = Omit<Store, 'transaction' | 'close'>

/** A subscription and the contacts it watches (canonical `sip:` URIs). */
export interface SubscriptionDetails {
  readonly subscription: PresenceSubscription
  readonly members: readonly string[]
}

export interface Membership {
  readonly subscriptionId: string
  readonly uri: string
}

/** What a caller sees of a contact's presence: the contact and the privacy-filtered view. */
export interface ContactPresence {
  readonly contact: User
  readonly view: PresenceView
}

const PEOPLE: Ref = { rel: 'people' }
const SUBSCRIBED_CONTACTS: Ref = { rel: 'subscribedContacts' }
/** How many subscriptions one tick looks at; the rest wait for the next tick. */
const TICK_BATCH = 500

const contactEvent = (uri: string, type: EventType): ChannelEvent => ({
  sender: PEOPLE,
  link: { rel: 'contact', ids: [uri] },
  in: SUBSCRIBED_CONTACTS,
  type,
  priority: 'medium',
})

const subscriptionEvent = (id: string, type: EventType, embed = false): ChannelEvent => ({
  sender: PEOPLE,
  link: { rel: 'presenceSubscription', ids: [id] },
  type,
  ...(embed ? { embedded: { id } } : {}),
  priority: 'medium',
})

/** The initial state of a newly watched contact: presence always, note and location when visible. */
const initialEvents = (uri: string, view: PresenceView | undefined): ChannelEvent[] =>
  contactEvents(uri, {
    presence: true,
    note: view?.note !== undefined,
    location: view?.location !== undefined,
  })

export class SubscriptionService {
  readonly #store: Store
  readonly #channel: EventChannel
  readonly #clock: Clock
  readonly #random: Random
  readonly #presence: PresenceService
  readonly #settings: SubscriptionSettings
  /** Subscriptions already told they are about to expire, with the expiry they were told about. */
  readonly #warned = new Map<string, number>()
  #ticking: Promise<void> = Promise.resolve()

  constructor(deps: {
    store: Store
    channel: EventChannel
    clock: Clock
    random: Random
    presence: PresenceService
    settings?: SubscriptionSettings
  }) {
    this.#store = deps.store
    this.#channel = deps.channel
    this.#clock = deps.clock
    this.#random = deps.random
    this.#presence = deps.presence
    this.#settings = deps.settings ?? DEFAULT_SUBSCRIPTION_SETTINGS
  }

  // ---- presence subscriptions -------------------------------------------------------------

  /**
   * POST presenceSubscriptions: watches `uris` for `minutes` (10–30, default 30). Events: `contact`
   * added in subscribedContacts (contacts the application did not watch yet), `presenceSubscription`
   * added, then each member's current state (`contactPresence` updated, note/location if visible).
   */
  async create(
    session: Session,
    app: Application,
    input: {
      readonly minutes?: number | undefined
      readonly uris: readonly string[]
      readonly field: string
    },
  ): Promise<SubscriptionDetails> {
    const now = this.#clock.now()
    const targets = await this.#resolve(input.uris, input.field)
    const views = await this.#views(session.user, targets)
    const uris = targets.map((t) => t.sipUri)
    const subscription: PresenceSubscription = {
      id: this.#random.token(6),
      appId: app.id,
      expiresAt: expiryOf(now, input.minutes),
      createdAt: now,
    }
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const before = new Set(await tx.subscriptions.watchedBy(app.id, now))
      await this.#checkCap(tx, session.user, app.id, uris, now)
      await tx.subscriptions.create(subscription, uris)
      outbox.add(
        app.id,
        ...uris.filter((u) => !before.has(u)).map((u) => contactEvent(u, 'added')),
        subscriptionEvent(subscription.id, 'added'),
        ...uris.flatMap((u) => initialEvents(u, views.get(u))),
      )
    })
    return { subscription, members: [...uris].sort() }
  }

  /** The application's live subscriptions. */
  async list(_session: Session, app: Application): Promise<PresenceSubscription[]> {
    const now = this.#clock.now()
    return (await this.#store.subscriptions.listByApp(app.id)).filter((s) => s.expiresAt > now)
  }

  async get(_session: Session, app: Application, id: string): Promise<SubscriptionDetails> {
    const subscription = await this.#owned(this.#store, app, id, this.#clock.now())
    return { subscription, members: await this.#store.subscriptions.members(id) }
  }

  /** Memberships of one subscription, or of every live subscription of the application. */
  async memberships(session: Session, app: Application, id: string | undefined): Promise<Membership[]> {
    const subscriptions =
      id === undefined
        ? await this.list(session, app)
        : [await this.#owned(this.#store, app, id, this.#clock.now())]
    const out: Membership[] = []
    for (const s of subscriptions) {
      for (const uri of await this.#store.subscriptions.members(s.id)) out.push({ subscriptionId: s.id, uri })
    }
    return out
  }

  /** POST memberships: adds contacts; new ones get the same events as at creation. */
  async addMembers(
    session: Session,
    app: Application,
    id: string,
    input: { readonly uris: readonly string[]; readonly field: string },
  ): Promise<SubscriptionDetails> {
    const now = this.#clock.now()
    const targets = await this.#resolve(input.uris, input.field)
    const views = await this.#views(session.user, targets)
    const uris = targets.map((t) => t.sipUri)
    const outbox = new Outbox()
    return commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const subscription = await this.#owned(tx, app, id, now)
      const before = new Set(await tx.subscriptions.watchedBy(app.id, now))
      await this.#checkCap(tx, session.user, app.id, uris, now)
      const fresh = await tx.subscriptions.addMembers(id, uris)
      outbox.add(
        app.id,
        ...fresh.filter((u) => !before.has(u)).map((u) => contactEvent(u, 'added')),
        ...fresh.flatMap((u) => initialEvents(u, views.get(u))),
      )
      return { subscription, members: await tx.subscriptions.members(id) }
    })
  }

  /** DELETE a membership; `contact` deleted when the application no longer watches the contact. */
  async removeMember(_session: Session, app: Application, id: string, uriText: string): Promise<void> {
    const now = this.#clock.now()
    const uri = contactUriOf(uriText)
    if (!uri) throw new UcwaError('ResourceNotFound')
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      await this.#owned(tx, app, id, now)
      if (!(await tx.subscriptions.removeMember(id, uri))) throw new UcwaError('ResourceNotFound')
      const still = new Set(await tx.subscriptions.watchedBy(app.id, now))
      if (!still.has(uri)) outbox.add(app.id, contactEvent(uri, 'deleted'))
    })
  }

  /** POST presenceSubscription?duration=N: remaining + N minutes, at most 30 from now. */
  async extend(
    _session: Session,
    app: Application,
    id: string,
    minutes: number | undefined,
  ): Promise<SubscriptionDetails> {
    const now = this.#clock.now()
    return this.#store.transaction(async (tx) => {
      const subscription = await this.#owned(tx, app, id, now)
      const expiresAt = extendedExpiry(subscription.expiresAt, now, minutes)
      await tx.subscriptions.extend(id, expiresAt)
      return { subscription: { ...subscription, expiresAt }, members: await tx.subscriptions.members(id) }
    })
  }

  /** DELETE presenceSubscription: `presenceSubscription` deleted, `contact` deleted for the unwatched. */
  async remove(_session: Session, app: Application, id: string): Promise<void> {
    const now = this.#clock.now()
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      await this.#owned(tx, app, id, now)
      await this.#end(tx, outbox, app.id, id, now)
    })
    this.#warned.delete(id)
  }

  /** GET subscribedContacts: the directory entries of every contact the application watches. */
  async subscribedContacts(_session: Session, app: Application): Promise<User[]> {
    const uris = await this.#store.subscriptions.watchedBy(app.id, this.#clock.now())
    const users: User[] = []
    for (const uri of uris) {
      const user = await this.#store.users.findBySipUri(uri as User['sipUri'])
      if (user) users.push(user)
    }
    return users
  }

  /**
   * Time-driven work, called every few seconds: tells applications once that a subscription
   * expires within `warnBeforeMs` (`presenceSubscription` updated, embedded), and ends expired
   * ones (`presenceSubscription` deleted, `contact` deleted for contacts no longer watched).
   */
  tick(): Promise<void> {
    // One tick at a time, so a subscription is warned once even when ticks overlap.
    const run = this.#ticking.then(() => this.#tick())
    this.#ticking = run.catch(() => undefined)
    return run
  }

  async #tick(): Promise<void> {
    const now = this.#clock.now()
    const due = await this.#store.subscriptions.expiringBefore(now + this.#settings.warnBeforeMs, TICK_BATCH)
    const seen = new Set<string>()
    for (const s of due) {
      seen.add(s.id)
      if (s.expiresAt <= now) await this.#expire(s, now)
      else if (this.#warned.get(s.id) !== s.expiresAt) await this.#warn(s)
    }
    for (const id of [...this.#warned.keys()]) if (!seen.has(id)) this.#warned.delete(id)
  }

  // ---- contact presence --------------------------------------------------------------------

  /** A directory user named by a URL segment or input (`bob@example.test`, `sip:Bob@…`); 404 if none. */
  async contact(uriText: string): Promise<User> {
    const uri = contactUriOf(uriText)
    const user = uri === undefined ? undefined : await this.#store.users.findBySipUri(uri)
    if (!user) throw new UcwaError('ResourceNotFound', { message: 'The contact does not exist.' })
    return user
  }

  /** What the caller may see of a contact's presence, note and location (privacy-filtered). */
  async contactPresence(session: Session, uriText: string): Promise<ContactPresence> {
    const contact = await this.contact(uriText)
    return { contact, view: await this.#presence.viewOf(session.user, contact) }
  }

  /**
   * The modalities a contact can be reached with: the union of what their live endpoints named
   * in makeMeAvailable; none while they appear Offline to the caller (signed out or Blocked).
   */
  async contactModalities(
    session: Session,
    uriText: string,
  ): Promise<{ contact: User; modalities: string[] }> {
    // The published union (presence record), so GETs agree with contactSupportedModalities events.
    const { contact, view } = await this.contactPresence(session, uriText)
    return { contact, modalities: [...view.modalities] }
  }

  // ---- privacy relationships ---------------------------------------------------------------

  /** The level the caller gave a contact: their explicit choice, else Colleagues. */
  async privacyOf(session: Session, uriText: string): Promise<{ contact: User; level: PrivacyLevel }> {
    const contact = await this.contact(uriText)
    return { contact, level: await this.#presence.levelFor(session.user, contact.sipUri) }
  }

  /** The relationships the caller set explicitly (everyone else is Colleagues). */
  privacyRelationships(session: Session): Promise<PrivacyRelationship[]> {
    return this.#store.privacy.list(session.user.id)
  }

  /**
   * Sets (or, with null, resets to the Colleagues default) the level the caller gives a contact.
   * When the effective level changes, every application of the caller gets
   * `contactPrivacyRelationship` updated `in` `myPrivacyRelationships`, and the contact's applications watching the caller get
   * the caller's presence, note and location again as they may now see them.
   */
  async setPrivacy(session: Session, uriText: string, level: PrivacyLevel | null): Promise<PrivacyLevel> {
    const contact = await this.contact(uriText)
    const owner = session.user
    if (contact.id === owner.id) {
      throw new UcwaError('Forbidden', { message: 'A privacy relationship with yourself cannot be set.' })
    }
    const before = await this.#presence.levelFor(owner, contact.sipUri)
    const after = level ?? 'Colleagues'
    const now = this.#clock.now()
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      if (level === null) await tx.privacy.reset(owner.id, contact.sipUri)
      else await tx.privacy.set(owner.id, contact.sipUri, level)
      if (before === after) return
      // Every application of the owner: the contact's relationship and the owner's list changed.
      for (const app of await tx.applications.listByUser(owner.id)) {
        if (app.expiresAt <= now) continue
        outbox.add(app.id, {
          sender: PEOPLE,
          link: { rel: 'contactPrivacyRelationship', ids: [contact.sipUri] },
          in: { rel: 'myPrivacyRelationships' },
          type: 'updated',
          priority: 'medium',
        })
      }
    })
    if (before !== after) await this.#presence.refresh(owner, contact.sipUri, undefined, before)
    return after
  }

  // ---- internals ---------------------------------------------------------------------------

  /** The caller's application's live subscription `id`; anything else is 404 (no existence leak). */
  async #owned(
    tx: Pick<Store, 'subscriptions'>,
    app: Application,
    id: string,
    now: number,
  ): Promise<PresenceSubscription> {
    const subscription = await tx.subscriptions.find(id)
    if (!subscription || subscription.appId !== app.id || subscription.expiresAt <= now) {
      throw new UcwaError('ResourceNotFound', { message: 'The presence subscription does not exist.' })
    }
    return subscription
  }

  /** Normalises and looks up input URIs: 400 for malformed or unknown ones, 403 above the cap. */
  async #resolve(texts: readonly string[], field: string): Promise<User[]> {
    const uris = new Set<User['sipUri']>()
    const invalid: string[] = []
    for (const text of texts) {
      const uri = contactUriOf(text)
      if (uri) uris.add(uri)
      else invalid.push(text)
    }
    if (invalid.length > 0) throw invalidUris(field, invalid, 'is not a SIP URI')
    // Refuse an oversized request before looking anyone up.
    if (uris.size > this.#settings.maxContactsPerUser) throw limitExceeded(this.#settings.maxContactsPerUser)
    const users: User[] = []
    const unknown: string[] = []
    for (const uri of uris) {
      const user = await this.#store.users.findBySipUri(uri)
      if (user) users.push(user)
      else unknown.push(uri)
    }
    if (unknown.length > 0) throw invalidUris(field, unknown, 'is not a known user')
    return users
  }

  async #views(watcher: User, targets: readonly User[]): Promise<Map<string, PresenceView>> {
    const views = new Map<string, PresenceView>()
    for (const target of targets) views.set(target.sipUri, await this.#presence.viewOf(watcher, target))
    return views
  }

  /** 403 LimitExceeded when adding `uris` to `app` would take the user past the cap. */
  async #checkCap(
    tx: Tx,
    user: User,
    app: ApplicationId,
    uris: readonly string[],
    now: number,
  ): Promise<void> {
    let total = 0
    for (const other of await tx.applications.listByUser(user.id)) {
      if (other.expiresAt <= now && other.id !== app) continue
      const watched = await tx.subscriptions.watchedBy(other.id, now)
      total += other.id === app ? new Set([...watched, ...uris]).size : watched.length
    }
    if (total > this.#settings.maxContactsPerUser) throw limitExceeded(this.#settings.maxContactsPerUser)
  }

  /** Deletes a subscription and queues what its application must hear. */
  async #end(tx: Tx, outbox: Outbox, app: ApplicationId, id: string, now: number): Promise<void> {
    const members = await tx.subscriptions.members(id)
    await tx.subscriptions.remove(id)
    const still = new Set(await tx.subscriptions.watchedBy(app, now))
    outbox.add(
      app,
      subscriptionEvent(id, 'deleted'),
      ...members.filter((u) => !still.has(u)).map((u) => contactEvent(u, 'deleted')),
    )
  }

  async #warn(subscription: PresenceSubscription): Promise<void> {
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      // Still there (its application may have gone meanwhile) and not extended since.
      const current = await tx.subscriptions.find(subscription.id)
      if (current?.expiresAt === subscription.expiresAt) {
        outbox.add(current.appId, subscriptionEvent(current.id, 'updated', true))
      }
    })
    this.#warned.set(subscription.id, subscription.expiresAt)
  }

  async #expire(subscription: PresenceSubscription, now: number): Promise<void> {
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const current = await tx.subscriptions.find(subscription.id)
      // Gone already, or extended since it was listed.
      if (!current || current.expiresAt > now) return
      await this.#end(tx, outbox, current.appId, current.id, now)
    })
    this.#warned.delete(subscription.id)
  }
}

function invalidUris(field: string, uris: readonly string[], reason: string): UcwaError {
  return new UcwaError('ParameterValidationFailure', {
    message: `Invalid ${field}: ${uris.slice(0, 5).join(', ')}${uris.length > 5 ? ', …' : ''} ${reason}.`,
    parameters: uris.slice(0, 20).map((u) => ({ name: field, reason: `${JSON.stringify(u)} ${reason}` })),
  })
}

function limitExceeded(max: number): UcwaError {
  return new UcwaError('LimitExceeded', {
    message: `At most ${max} contacts can be subscribed to at once.`,
  })
}
