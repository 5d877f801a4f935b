// The UCWA conversation, whatever its modality: starting one (startMessaging, …), addParticipant,
// accept / decline / cancel / no answer, leaving, endpoints that go away, and what each endpoint
// reads of it. Each change reads the conversation's scene, asks the invitation rules
// (invitation-rules.ts) what follows, and commits the changes with their events in one
// transaction; a modality (modality.ts) adds its own events where the rules say. See
// docs/messaging.md.
import type { Application } from '../applications/application-types.ts'
import type { Session } from '../auth/auth-service.ts'
import { UcwaError } from '../errors.ts'
import { commitWithEvents, type EventChannel } from '../events/event-channel.ts'
import { Outbox } from '../events/outbox.ts'
import type { SipUri } from '../ids.ts'
import type { Clock, Random, Store } from '../ports.ts'
import { parseSipUri } from '../users/sip-uri.ts'
import type { User } from '../users/user-types.ts'
import { applyOutcome, type OutcomeParties } from './apply-outcome.ts'
import type { InvitationData } from './conversation-events.ts'
import { type ConversationObserver, NO_CONVERSATION_OBSERVER, type Tx } from './conversation-observer.ts'
import type {
  Conversation,
  FailureReason,
  Importance,
  Invitation,
  Member,
  MessageContent,
  Modality,
  View,
} from './conversation-types.ts'
import * as rules from './invitation-rules.ts'
import type { ConversationModality } from './modality.ts'
import { type ConversationView, invitationDataOf, present } from './read-models.ts'
import { loadScene, loadViewed } from './scene.ts'

export interface ConversationSettings {
  /** How long an invitation rings before it fails with NoAnswer (Lync: ~30 s). */
  readonly answerTimeoutSeconds: number
  /** Participants of one conversation, the invited included. */
  readonly maxParticipants: number
  /**
   * An ended conversation that nobody's history keeps is deleted, its content with it, this long
   * after it ended (its invitation stays GET-able until then).
   */
  readonly endedRetentionMinutes: number
}

export const DEFAULT_CONVERSATIONS: ConversationSettings = {
  answerTimeoutSeconds: 30,
  maxParticipants: 100,
  endedRetentionMinutes: 60,
}

/** Conversations the purge deletes per statement. */
const PURGE_BATCH = 200
/** Invitations and expired endpoints handled per tick. */
const TICK_BATCH = 200
/**
 * The modality an added participant is rung in: Lync rang them into an ad-hoc conference
 * (onlineMeetingInvitation); until meetings exist, a messagingInvitation is what every IM client
 * handles (docs/messaging.md, Multi-party).
 */
const PARTICIPANT_MODALITY: Modality = 'messaging'

export interface StartConversationInput {
  /** What the invitation invites to (startMessaging: messaging). */
  readonly modality: Modality
  readonly to: string
  readonly subject?: string | undefined
  readonly importance?: Importance | undefined
  readonly operationId?: string | undefined
  readonly threadId?: string | undefined
  readonly message?: MessageContent | undefined
}

export interface AddParticipantInput {
  readonly to: string
  readonly operationId?: string | undefined
}

export class ConversationService {
  readonly #store: Store
  readonly #channel: EventChannel
  readonly #clock: Clock
  readonly #random: Random
  readonly #settings: ConversationSettings
  readonly #parties: OutcomeParties

  constructor(deps: {
    store: Store
    channel: EventChannel
    clock: Clock
    random: Random
    /** Each modality's part (messaging: MessagingService.modality). */
    modalities: Readonly<Record<Modality, ConversationModality>>
    settings?: ConversationSettings
    observer?: ConversationObserver
  }) {
    this.#store = deps.store
    this.#channel = deps.channel
    this.#clock = deps.clock
    this.#random = deps.random
    this.#settings = deps.settings ?? DEFAULT_CONVERSATIONS
    this.#parties = { modalities: deps.modalities, observer: deps.observer ?? NO_CONVERSATION_OBSERVER }
  }

  /** startMessaging (and its like): a new conversation and its invitation; returns the invitation id. */
  async start(session: Session, app: Application, input: StartConversationInput): Promise<string> {
    const to = this.#target(session, input.to)
    const modality = this.#parties.modalities[input.modality]
    const message = input.message && modality.firstMessage(input.message)
    const now = this.#clock.now()
    const target = await this.#store.users.findBySipUri(to)
    const ringing = target?.enabled ? await this.#reachable(target, modality, now) : []
    const failure = unreachable(target, ringing)
    const conversation: Conversation = {
      id: this.#random.token(9),
      threadId: input.threadId ?? this.#random.token(16),
      subject: input.subject ?? '',
      importance: input.importance ?? 'Normal',
      mode: 'p2p',
      createdAt: now,
      endedAt: failure ? now : null,
    }
    const invitation: Invitation = {
      ...this.#invitation(this.#random.token(12), session, app, conversation.id, to, target, now),
      kind: 'modality',
      modality: input.modality,
      operationId: input.operationId ?? null,
      message: message ?? null,
    }
    await this.#change(async (tx, outbox) => {
      const outcome = rules.start({
        conversation,
        from: asMember(conversation.id, session.user, 'connected', now),
        callerAppId: app.id,
        invitation,
        failure,
        invitee: target && asMember(conversation.id, target, 'invited', now),
        ringing: ringing.map((e) => e.id),
        mark: await modality.mark(tx),
        now,
      })
      await applyOutcome(tx, outbox, outcome, this.#parties, app)
    })
    return invitation.id
  }

  /**
   * addParticipant: invites one more user into a connected conversation; returns the
   * participantInvitation id. The first one escalates a two-party conversation to an ad-hoc
   * conference (Conferencing until that invitation is answered, then Conferenced).
   */
  async addParticipant(
    session: Session,
    app: Application,
    conversationId: string,
    input: AddParticipantInput,
  ): Promise<string> {
    const to = this.#target(session, input.to)
    const now = this.#clock.now()
    const target = await this.#store.users.findBySipUri(to)
    const modality = this.#parties.modalities[PARTICIPANT_MODALITY]
    const ringing = target?.enabled ? await this.#reachable(target, modality, now) : []
    const failure = unreachable(target, ringing)
    const id = this.#random.token(12)
    await this.#change(async (tx, outbox) => {
      const scene = await this.#addable(tx, session, app, conversationId, to)
      const cid = scene.conversation.id
      const invitation: Invitation = {
        ...this.#invitation(id, session, app, cid, to, target, now),
        kind: 'participant',
        modality: PARTICIPANT_MODALITY,
        operationId: input.operationId ?? null,
        message: null,
      }
      const outcome = rules.addParticipant(scene, {
        invitation,
        failure,
        invitee: target && asMember(cid, target, 'invited', now),
        ringing: ringing.map((e) => e.id),
        now,
      })
      await applyOutcome(tx, outbox, outcome, this.#parties, app)
    })
    return id
  }

  /** accept: this endpoint takes the conversation; the invitation ends on the user's others. */
  async accept(session: Session, app: Application, invitationId: string): Promise<void> {
    await this.#change(async (tx, outbox) => {
      const invitation = await this.#incoming(tx, session, app, invitationId)
      const scene = await this.#scene(tx, invitation.conversationId)
      const me = scene.members.find((m) => m.userId === session.user.id)
      if (!me) throw new UcwaError('ResourceNotFound')
      const mark = await this.#parties.modalities[invitation.modality].mark(tx)
      const now = this.#clock.now()
      const outcome = rules.accept(scene, { invitation, appId: app.id, me, mark, now })
      await applyOutcome(tx, outbox, outcome, this.#parties, app)
    })
  }

  /** decline: the invitation fails with Declined on every endpoint it rang. */
  async decline(session: Session, app: Application, invitationId: string): Promise<void> {
    await this.#change(async (tx, outbox) => {
      const invitation = await this.#incoming(tx, session, app, invitationId)
      await this.#end(tx, outbox, invitation, 'Declined', app)
    })
  }

  /** cancel (participantInvitation): the inviter withdraws an unanswered addParticipant. */
  async cancelParticipant(session: Session, app: Application, invitationId: string): Promise<void> {
    await this.#change(async (tx, outbox) => {
      const invitation = await tx.conversations.invitation(invitationId)
      const mine =
        invitation?.kind === 'participant' &&
        invitation.fromAppId === app.id &&
        invitation.fromUserId === session.user.id
      if (!invitation || !mine) throw new UcwaError('ResourceNotFound')
      if (invitation.state !== 'Connecting') {
        throw new UcwaError('Conflict', { message: 'The invitation was already answered or has ended.' })
      }
      await this.#end(tx, outbox, invitation, 'Canceled', app)
    })
  }

  /**
   * stopMessaging / DELETE conversation / cancel: the caller's endpoint leaves. Ringing, that is
   * a decline; still calling, a cancel; connected, the others go on while at least two remain.
   */
  async leave(session: Session, app: Application, conversationId: string): Promise<void> {
    await this.#leave(session.user, app, conversationId, false)
  }

  /**
   * An endpoint went away (its application was deleted or expired): it leaves every conversation
   * it was in, so the others are told, as if it had called stopMessaging — except where it was
   * only ringing: nobody declined there, so it just stops ringing (invitation-rules.ts).
   */
  async endpointGone(user: User, app: Application): Promise<void> {
    for (const view of await this.#store.conversations.viewsOfApp(app.id)) {
      await this.#leave(user, app, view.conversationId, true).catch((error: unknown) => {
        if (!(error instanceof UcwaError)) throw error
      })
    }
  }

  // ---- periodic jobs --------------------------------------------------------------------------

  /**
   * Ends invitations nobody answered in time (NoAnswer), then lets the modalities' short-lived
   * state lapse (typing). Presence tick.
   */
  async expireInvitations(): Promise<number> {
    const now = this.#clock.now()
    const expired = await this.#store.conversations.expiredInvitations(now, TICK_BATCH)
    for (const invitation of expired) {
      await this.#change(async (tx, outbox) => {
        const current = await tx.conversations.invitation(invitation.id)
        if (current?.state !== 'Connecting') return
        await this.#end(tx, outbox, current, 'NoAnswer')
      })
    }
    for (const modality of Object.values(this.#parties.modalities)) await modality.expire(now)
    return expired.length
  }

  /** Endpoints whose application expired since the last look: they leave their conversations. */
  async dropExpiredEndpoints(): Promise<number> {
    const now = this.#clock.now()
    const views = await this.#store.conversations.viewsOfExpiredApps(now, TICK_BATCH)
    for (const view of views) {
      const user = await this.#store.users.findById(view.userId)
      const app = await this.#store.applications.find(view.appId)
      if (user && app) await this.endpointGone(user, app)
    }
    return views.length
  }

  /**
   * Deletes conversations that ended over `endedRetentionMinutes` ago and that no conversation
   * log keeps, with their messages: the text of a conversation outlives it only in someone's
   * history or missed conversations (docs/messaging.md, "Retention"). Maintenance timer.
   */
  async purgeEnded(): Promise<number> {
    const before = this.#clock.now() - this.#settings.endedRetentionMinutes * 60_000
    let total = 0
    for (;;) {
      const removed = await this.#store.conversations.removeEnded(before, PURGE_BATCH)
      total += removed
      if (removed < PURGE_BATCH) return total
    }
  }

  // ---- reads (for the resources) --------------------------------------------------------------

  /** The caller's view of a conversation, or 404. */
  async conversation(session: Session, app: Application, conversationId: string): Promise<ConversationView> {
    const { scene, view } = await loadViewed(this.#store, session, app, conversationId)
    return present(scene, view)
  }

  /** The application's live conversations (`conversations?filter=active`). */
  async conversations(session: Session, app: Application): Promise<ConversationView[]> {
    const out: ConversationView[] = []
    for (const view of await this.#store.conversations.viewsOfApp(app.id)) {
      if (view.userId !== session.user.id || view.state === 'Disconnected') continue
      const scene = await loadScene(this.#store, view.conversationId)
      if (scene) out.push(present(scene, view))
    }
    return out
  }

  /**
   * An invitation as the caller's application sees it, or 404: the inviting endpoint sees its
   * invitation or participantInvitation, every endpoint of the invitee the invitation (also once
   * it ended, so the events' embedded copies stay GET-able).
   */
  async invitation(
    session: Session,
    app: Application,
    invitationId: string,
    rel: InvitationData['rel'],
  ): Promise<InvitationData> {
    const invitation = await this.#store.conversations.invitation(invitationId)
    const mine =
      invitation &&
      ((invitation.fromAppId === app.id && invitation.fromUserId === session.user.id) ||
        invitation.toUserId === session.user.id)
    const scene = mine ? await loadScene(this.#store, invitation.conversationId) : undefined
    if (!invitation || !scene) throw new UcwaError('ResourceNotFound')
    const data = invitationDataOf(invitation, scene, app.id)
    if (data.rel !== rel) throw new UcwaError('ResourceNotFound')
    return data
  }

  // ---- internals ------------------------------------------------------------------------------

  #change(work: (tx: Tx, outbox: Outbox) => Promise<void>): Promise<void> {
    const outbox = new Outbox()
    return commitWithEvents(this.#store, this.#channel, outbox, (tx) => work(tx, outbox))
  }

  async #scene(tx: Tx, conversationId: string) {
    const scene = await loadScene(tx, conversationId)
    if (!scene) throw new UcwaError('ResourceNotFound')
    return scene
  }

  /** An invitation ends unanswered: declined, canceled, no answer. */
  async #end(tx: Tx, outbox: Outbox, invitation: Invitation, reason: FailureReason, caller?: Application) {
    const scene = await this.#scene(tx, invitation.conversationId)
    const outcome = rules.endInvitation(scene, invitation, reason, this.#clock.now())
    await applyOutcome(tx, outbox, outcome, this.#parties, caller)
  }

  async #leave(user: User, app: Application, conversationId: string, gone: boolean): Promise<void> {
    await this.#change(async (tx, outbox) => {
      const { scene, view } = await loadViewed(tx, { user }, app, conversationId)
      const now = this.#clock.now()
      const elsewhere =
        gone && view.state === 'Incoming' ? rules.ringingElsewhere(scene, app.id, user.id) : []
      const outcome = rules.leave(scene, {
        appId: app.id,
        who: { userId: user.id, uri: user.sipUri, name: user.displayName },
        gone: gone ? { othersRinging: await this.#anyLive(tx, elsewhere, now) } : undefined,
        now,
      })
      await applyOutcome(tx, outbox, outcome, this.#parties, app)
    })
  }

  /** Whether one of these endpoints is live (one that expired but was not dropped yet is not). */
  async #anyLive(tx: Tx, views: readonly View[], now: number): Promise<boolean> {
    for (const v of views) {
      const other = await tx.applications.find(v.appId)
      if (other && other.expiresAt > now) return true
    }
    return false
  }

  /** An invitation from the caller's endpoint, Connecting (its kind, modality and content to fill in). */
  #invitation(
    id: string,
    session: Session,
    app: Application,
    conversationId: string,
    to: SipUri,
    target: User | undefined,
    now: number,
  ): Omit<Invitation, 'kind' | 'modality' | 'operationId' | 'message'> {
    return {
      id,
      conversationId,
      fromUserId: session.user.id,
      fromAppId: app.id,
      toUri: to,
      toUserId: target?.id ?? null,
      state: 'Connecting',
      reason: null,
      answeredAppId: null,
      createdAt: now,
      expiresAt: now + this.#settings.answerTimeoutSeconds * 1000,
    }
  }

  /** The conversation `to` may be added to by the caller's endpoint, or the reason why not. */
  async #addable(tx: Tx, session: Session, app: Application, conversationId: string, to: SipUri) {
    const { scene, view } = await loadViewed(tx, session, app, conversationId)
    if (view.state === 'Disconnected') throw new UcwaError('ResourceNotFound')
    if (view.state !== 'Connected') {
      throw new UcwaError('Conflict', {
        message: 'Participants can be added once the conversation is connected.',
      })
    }
    if (scene.members.some((m) => m.uri === to && m.state !== 'left')) {
      throw new UcwaError('AlreadyExists', {
        message: `${to} is already in this conversation or invited to it.`,
      })
    }
    if (scene.members.filter((m) => m.state !== 'left').length >= this.#settings.maxParticipants) {
      throw new UcwaError('LimitExceeded', {
        message: `A conversation holds at most ${this.#settings.maxParticipants} participants.`,
      })
    }
    return scene
  }

  /** The canonical SIP URI of an invitation's `to`; 400 when it is not one or is the caller. */
  #target(session: Session, raw: string): SipUri {
    const to = parseSipUri(raw)
    if (!to) {
      throw new UcwaError('ParameterValidationFailure', {
        message: '"to" must be a SIP address (sip:user@domain).',
        parameters: [{ name: 'to', reason: 'is not a SIP address' }],
      })
    }
    if (to === session.user.sipUri) {
      throw new UcwaError('ParameterValidationFailure', {
        message: 'A conversation needs someone else in it.',
        parameters: [{ name: 'to', reason: 'is the caller' }],
      })
    }
    return to
  }

  /** An invitation to one of the caller's endpoints that is still ringing there. */
  async #incoming(tx: Tx, session: Session, app: Application, invitationId: string): Promise<Invitation> {
    const invitation = await tx.conversations.invitation(invitationId)
    if (!invitation || invitation.toUserId !== session.user.id) throw new UcwaError('ResourceNotFound')
    if (invitation.state !== 'Connecting') {
      throw new UcwaError('Conflict', { message: 'The invitation was already answered or has ended.' })
    }
    const view = await tx.conversations.view(invitation.conversationId, app.id)
    if (view?.state !== 'Incoming') throw new UcwaError('ResourceNotFound')
    return invitation
  }

  /** The user's endpoints that can be rung for `modality` now: available, live, offering it. */
  async #reachable(user: User, modality: ConversationModality, now: number): Promise<Application[]> {
    const endpoints = await this.#store.applications.listAvailable(user.id)
    return endpoints.filter((e) => e.expiresAt > now && modality.reaches(e))
  }
}

function unreachable(target: User | undefined, ringing: readonly Application[]): FailureReason | undefined {
  if (!target?.enabled) return 'DestinationNotFound'
  return ringing.length === 0 ? 'TemporarilyUnavailable' : undefined
}

function asMember(conversationId: string, user: User, state: Member['state'], now: number): Member {
  return { conversationId, userId: user.id, uri: user.sipUri, name: user.displayName, state, joinedAt: now }
}
