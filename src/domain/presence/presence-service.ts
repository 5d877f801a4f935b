// Presence: makeMeAvailable, the user's own presence, note and location, activity reports, and
// aggregation over endpoints with events to the user's applications and to their watchers.
// See docs/presence.md.
import type { ApplicationService } from '../applications/application-service.ts'
import type { Application, CommunicationSettings } from '../applications/application-types.ts'
import type { Session } from '../auth/auth-service.ts'
import { UcwaError } from '../errors.ts'
import type { ChannelEvent, Ref } from '../events/channel-event.ts'
import { commitWithEvents, type EventChannel } from '../events/event-channel.ts'
import { Outbox } from '../events/outbox.ts'
import { AfterCommit, NO_POLICY_CHECKS, type PolicyChecks, type Tx } from '../hooks.ts'
import type { UserId } from '../ids.ts'
import type { Clock, Store } from '../ports.ts'
import type { User } from '../users/user-types.ts'
import {
  aggregatePresence,
  DEFAULT_PRESENCE_TIMERS,
  type PreferredAvailability,
  type PresenceTimers,
  type PresenceView,
  type PrivacyLevel,
  viewFor,
} from './presence-rules.ts'
import type { PresenceRecord } from './presence-types.ts'

export interface MakeMeAvailableInput {
  readonly signInAs?: PreferredAvailability | undefined
  readonly supportedModalities?: readonly string[] | undefined
  readonly supportedMessageFormats?: readonly string[] | undefined
  readonly audioPreference?: 'PhoneAudio' | 'VoipAudio' | undefined
  readonly phoneNumber?: string | undefined
}

/** The user's own presence as `me/presence`, `me/note` and `me/location` show it. */
export interface OwnPresence {
  readonly record: PresenceRecord
  readonly view: PresenceView
}

const ME: Ref = { rel: 'me' }
const PEOPLE: Ref = { rel: 'people' }

export class PresenceService {
  readonly #store: Store
  readonly #channel: EventChannel
  readonly #clock: Clock
  readonly #applications: ApplicationService
  readonly #policies: PolicyChecks
  readonly #timers: PresenceTimers

  constructor(deps: {
    store: Store
    channel: EventChannel
    clock: Clock
    applications: ApplicationService
    /** Which modalities the user's endpoints may advertise. */
    policies?: PolicyChecks
    timers?: PresenceTimers
  }) {
    this.#store = deps.store
    this.#channel = deps.channel
    this.#clock = deps.clock
    this.#applications = deps.applications
    this.#policies = deps.policies ?? NO_POLICY_CHECKS
    this.#timers = deps.timers ?? DEFAULT_PRESENCE_TIMERS
  }

  /**
   * makeMeAvailable: the application becomes a presence endpoint that can receive. Modalities
   * the user's policy forbids (Audio/Video, PhoneAudio) are dropped, not refused: real clients
   * always offer them (docs/policies.md).
   */
  async makeMeAvailable(session: Session, app: Application, input: MakeMeAvailableInput): Promise<void> {
    const user = session.user
    const offered =
      input.supportedModalities && (await this.#policies.allowedModalities(user, input.supportedModalities))
    const now = this.#clock.now()
    const communication: CommunicationSettings = {
      ...app.communication,
      ...(offered ? { supportedModalities: [...new Set(offered)] } : {}),
      ...(input.supportedMessageFormats
        ? { supportedMessageFormats: [...new Set(input.supportedMessageFormats)] }
        : {}),
      ...(input.audioPreference ? { audioPreference: input.audioPreference } : {}),
      ...(input.phoneNumber !== undefined ? { phoneNumber: input.phoneNumber || null } : {}),
    }
    const outbox = new Outbox()
    const after = new AfterCommit()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      await this.#applications.markAvailable(tx, after, app.id, communication, now)
      const before = await this.#record(tx, user.id, now)
      const manual =
        input.signInAs === undefined ? before.manual : input.signInAs === 'Online' ? null : input.signInAs
      outbox.add(
        app.id,
        { sender: ME, link: ME, type: 'updated', priority: 'medium' },
        { sender: ME, link: { rel: 'presence' }, type: 'added', priority: 'medium' },
        { sender: ME, link: { rel: 'note' }, type: 'added', priority: 'medium' },
        { sender: ME, link: { rel: 'location' }, type: 'added', priority: 'medium' },
        {
          sender: { rel: 'communication' },
          link: { rel: 'communication' },
          type: 'updated',
          embedded: { communication },
          priority: 'medium',
        },
      )
      await this.#apply(tx, outbox, user, before, { manual }, now, { announcedApp: app.id })
    })
    after.run()
  }

  /** reportMyActivity: the user is at this endpoint; it stays (or becomes again) active. */
  async reportActivity(session: Session, app: Application): Promise<void> {
    await this.#requireAvailable(session, app)
    const now = this.#clock.now()
    const outbox = new Outbox()
    const after = new AfterCommit()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      await this.#applications.touchUserActivity(tx, after, app.id, now)
      const before = await this.#record(tx, session.user.id, now)
      await this.#apply(tx, outbox, session.user, before, {}, now)
    })
    after.run()
  }

  /** POST me/presence: an explicit availability, or null to go back to automatic. */
  async setAvailability(
    session: Session,
    app: Application,
    manual: PreferredAvailability | null,
  ): Promise<void> {
    await this.#requireAvailable(session, app)
    await this.#change(session, { manual: manual === 'Online' ? null : manual })
  }

  async setNote(session: Session, app: Application, message: string | null): Promise<void> {
    await this.#requireAvailable(session, app)
    await this.#change(session, { note: message || null })
  }

  async setLocation(session: Session, app: Application, location: string | null): Promise<void> {
    await this.#requireAvailable(session, app)
    await this.#change(session, { location: location || null })
  }

  /**
   * Refuses an application that has not made itself available. In a cluster this node's copy may
   * predate a makeMeAvailable made through another node a moment ago (its announcement still on
   * the way), so a refusal is checked against the store first; the usual case reads nothing.
   */
  async #requireAvailable(session: Session, app: Application): Promise<void> {
    if (app.available) return
    if (!(await this.#applications.reread(session, app.id)).available) {
      throw new UcwaError('MakeMeAvailableRequired')
    }
  }

  /** The caller's own presence (what `me/presence`, `me/note`, `me/location` show). */
  async own(session: Session, app: Application): Promise<OwnPresence> {
    await this.#requireAvailable(session, app)
    const record = await this.#record(this.#store, session.user.id, this.#clock.now())
    return { record, view: this.#view('FriendsAndFamily', session.user, record) }
  }

  /**
   * What `watcher` sees of `target`'s presence: filtered by the privacy relationship the target
   * chose for the watcher (Colleagues by default).
   */
  async viewOf(watcher: User, target: User): Promise<PresenceView> {
    const record = await this.#record(this.#store, target.id, this.#clock.now())
    const level = await this.levelFor(target, watcher.sipUri)
    return this.#view(level, target, record)
  }

  /** The privacy level `owner` gives `watcherUri`: their explicit choice, else Colleagues. */
  async levelFor(owner: User, watcherUri: string): Promise<PrivacyLevel> {
    if (owner.sipUri === watcherUri) return 'FriendsAndFamily'
    return (await this.#store.privacy.level(owner.id, watcherUri)) ?? 'Colleagues'
  }

  /**
   * Re-evaluates a user's presence after something outside this service changed their
   * endpoints (an application deleted) or their privacy choices; emits what changed.
   */
  async refresh(
    user: User,
    privacyChangedFor?: string,
    previous?: User,
    previousLevel?: PrivacyLevel,
  ): Promise<void> {
    const now = this.#clock.now()
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const before = await this.#record(tx, user.id, now)
      await this.#apply(tx, outbox, user, before, {}, now, { privacyChangedFor, previous, previousLevel })
    })
  }

  /**
   * In another change's transaction: `user`'s endpoints changed (one removed, expired or
   * restricted by policy); the aggregate and what watchers see follow.
   */
  async endpointsChanged(tx: Tx, outbox: Outbox, user: User): Promise<void> {
    const now = this.#clock.now()
    await this.#apply(tx, outbox, user, await this.#record(tx, user.id, now), {}, now)
  }

  /**
   * In another change's transaction: `user`'s directory entry changed; an out-of-office note
   * changes what others see of their presence.
   */
  async directoryChanged(tx: Tx, outbox: Outbox, user: User, previous: User): Promise<void> {
    if (user.outOfOfficeNote === previous.outOfOfficeNote) return
    const now = this.#clock.now()
    await this.#apply(tx, outbox, user, await this.#record(tx, user.id, now), {}, now, { previous })
  }

  /** Re-evaluates users whose presence may have changed with time alone (idle, expired). */
  async tick(): Promise<number> {
    const now = this.#clock.now()
    const due = await this.#store.presence.due(now, 500)
    for (const userId of due) {
      const user = await this.#store.users.findById(userId)
      if (user) await this.refresh(user)
    }
    return due.length
  }

  async #change(
    session: Session,
    changes: { manual?: PreferredAvailability | null; note?: string | null; location?: string | null },
  ): Promise<void> {
    const now = this.#clock.now()
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const before = await this.#record(tx, session.user.id, now)
      await this.#apply(tx, outbox, session.user, before, changes, now)
    })
  }

  async #record(tx: Pick<Store, 'presence'>, userId: UserId, now: number): Promise<PresenceRecord> {
    return (
      (await tx.presence.get(userId)) ?? {
        userId,
        manual: null,
        note: null,
        location: null,
        availability: 'Offline',
        activity: null,
        deviceType: 'Unknown',
        lastActiveAt: null,
        nextCheckAt: null,
        updatedAt: now,
        modalities: [],
      }
    )
  }

  // Recomputes the aggregate, saves, and queues the events that tell each audience what it can
  // now see differently: the user's own applications (sender me) and watchers (sender people).
  async #apply(
    tx: Tx,
    outbox: Outbox,
    user: User,
    before: PresenceRecord,
    changes: { manual?: PreferredAvailability | null; note?: string | null; location?: string | null },
    now: number,
    context: {
      announcedApp?: Application['id']
      privacyChangedFor?: string | undefined
      /** The level the watcher `privacyChangedFor` had before (what they could see until now). */
      previousLevel?: PrivacyLevel | undefined
      previous?: User | undefined
    } = {},
  ): Promise<void> {
    const { announcedApp, privacyChangedFor, previousLevel } = context
    // The directory entry as it was (an out-of-office note changes what others see).
    const was = context.previous ?? user
    const manual = changes.manual === undefined ? before.manual : changes.manual
    const endpoints = await tx.applications.listAvailable(user.id)
    const { aggregate, nextCheckAt } = aggregatePresence(manual, endpoints, now, this.#timers)
    const lastActive = Math.max(before.lastActiveAt ?? 0, ...endpoints.map((e) => e.userActiveAt))
    const live = endpoints.filter((e) => e.expiresAt > now)
    const modalities = [...new Set(live.flatMap((e) => e.communication.supportedModalities))].sort()
    const after: PresenceRecord = {
      ...before,
      manual,
      note: changes.note === undefined ? before.note : changes.note,
      location: changes.location === undefined ? before.location : changes.location,
      availability: aggregate.availability,
      activity: aggregate.activity ?? null,
      deviceType: aggregate.deviceType,
      lastActiveAt: lastActive > 0 ? lastActive : null,
      nextCheckAt: nextCheckAt ?? null,
      updatedAt: now,
      modalities,
    }
    await tx.presence.save(after)

    const own = diff(this.#view('FriendsAndFamily', was, before), this.#view('FriendsAndFamily', user, after))
    const ownEvents = meEvents(own)
    for (const endpoint of endpoints) if (endpoint.id !== announcedApp) outbox.add(endpoint.id, ...ownEvents)

    // Every application watching the user, the user's own included: subscribing to oneself is how
    // a client watches its own aggregate (contact events), alongside the `me` events above.
    for (const watcher of await tx.subscriptions.watchers(user.sipUri, now)) {
      const level =
        watcher.userId === user.id
          ? 'FriendsAndFamily'
          : ((await tx.privacy.level(user.id, watcher.uri)) ?? 'Colleagues')
      const levelBefore = privacyChangedFor === watcher.uri ? (previousLevel ?? level) : level
      const changed = diff(this.#view(levelBefore, was, before), this.#view(level, user, after))
      outbox.add(watcher.appId, ...contactEvents(user.sipUri, changed))
    }
  }

  #view(level: PrivacyLevel, user: User, record: PresenceRecord): PresenceView {
    return viewFor(level, {
      aggregate: {
        availability: record.availability,
        activity: record.activity ?? undefined,
        deviceType: record.deviceType,
      },
      lastActive: record.lastActiveAt ?? undefined,
      note: record.note,
      outOfOffice: user.outOfOfficeNote,
      location: record.location,
      modalities: record.modalities,
    })
  }
}

/** Which parts of a view differ (lastActive alone does not make an event: it changes constantly). */
function diff(a: PresenceView, b: PresenceView): Changed {
  return {
    media: a.modalities.join() !== b.modalities.join(),
    presence:
      a.availability !== b.availability ||
      a.activity !== b.activity ||
      a.deviceType !== b.deviceType ||
      (a.lastActive === undefined) !== (b.lastActive === undefined),
    note: a.note?.message !== b.note?.message || a.note?.type !== b.note?.type,
    location: a.location !== b.location,
  }
}

/** A watcher's events for a contact's changes: link only, never embedded (docs/protocol.md §5.3). */
interface Changed {
  presence: boolean
  note: boolean
  location: boolean
  /** The modalities the contact can be reached with (contactSupportedModalities). */
  media: boolean
}

export function contactEvents(
  uri: string,
  changed: Omit<Changed, 'media'> & { media?: boolean },
): ChannelEvent[] {
  const contact: Ref = { rel: 'contact', ids: [uri] }
  const event = (rel: string): ChannelEvent => ({
    sender: PEOPLE,
    link: { rel, ids: [uri] },
    in: contact,
    type: 'updated',
    priority: 'medium',
  })
  const events: ChannelEvent[] = []
  if (changed.presence) events.push(event('contactPresence'))
  if (changed.note) events.push(event('contactNote'))
  if (changed.location) events.push(event('contactLocation'))
  if (changed.media) events.push(event('contactSupportedModalities'))
  return events
}

/** The `me` events a user's own applications get for what changed in their own view. */
function meEvents(changed: Changed): ChannelEvent[] {
  const rels = (['presence', 'note', 'location'] as const).filter((rel) => changed[rel])
  return rels.map((rel) => ({ sender: ME, link: { rel }, type: 'updated', priority: 'medium' }))
}
