// Instant messaging: startMessaging, addParticipant, accept/decline/cancel/timeout, sendMessage,
// typing, leaving. One application view per endpoint in the conversation; every change is one
// transaction with its events, computed from the conversation as the change left it (a "scene"),
// so what an event embeds is what a GET returns afterwards. See docs/messaging.md.
import type { Application } from '../applications/application-types.ts'
import type { Session } from '../auth/auth-service.ts'
import { UcwaError } from '../errors.ts'
import { commitWithEvents, type EventChannel } from '../events/event-channel.ts'
import { Outbox } from '../events/outbox.ts'
import type { ApplicationId, SipUri } from '../ids.ts'
import type { Clock, HtmlSanitizer, Random, Store } from '../ports.ts'
import { parseSipUri } from '../users/sip-uri.ts'
import type { User } from '../users/user-types.ts'
import {
  type ConversationData,
  conversationData,
  conversationEvent,
  type InvitationData,
  inConversation,
  invitationEvent,
  type MessageData,
  type MessagingData,
  messageEvent,
  messagingEvent,
  type ParticipantData,
  participantData,
  participantEvent,
  participantMessagingEvent,
  typingEvent,
} from './messaging-events.ts'
import { type MessagingObserver, NO_OBSERVER } from './messaging-observer.ts'
import type {
  Conversation,
  ConversationState,
  FailureReason,
  Importance,
  Invitation,
  Member,
  Message,
  MessageContent,
  View,
} from './messaging-types.ts'

type Tx = Omit<Store, 'transaction' | 'close'>

export interface MessagingSettings {
  /** How long an invitation rings before it fails with NoAnswer (Lync: ~30 s). */
  readonly answerTimeoutSeconds: number
  /** Largest message body, in bytes of UTF-8. */
  readonly maxMessageBytes: number
  /** Messages one user may send per `rateWindowSeconds`. */
  readonly maxMessagesPerWindow: number
  readonly rateWindowSeconds: number
  /** A typing indication lasts this long unless renewed. */
  readonly typingSeconds: number
  /** Participants of one conversation, the invited included. */
  readonly maxParticipants: number
  /**
   * An ended conversation that nobody's history keeps is deleted, its messages with it, this long
   * after it ended (its invitation stays GET-able until then).
   */
  readonly endedRetentionMinutes: number
}

export const DEFAULT_MESSAGING: MessagingSettings = {
  answerTimeoutSeconds: 30,
  maxMessageBytes: 64 * 1024,
  maxMessagesPerWindow: 100,
  rateWindowSeconds: 10,
  typingSeconds: 5,
  maxParticipants: 100,
  endedRetentionMinutes: 60,
}

/** Conversations the purge deletes per statement. */
const PURGE_BATCH = 200

export interface StartMessagingInput {
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

/** One application's view of a conversation, ready to render. */
export interface ConversationView {
  readonly conversation: ConversationData
  readonly messaging: MessagingData
  /** The participants the application sees, itself included (local first when present). */
  readonly roster: readonly ParticipantData[]
  /**
   * Participants who took part and left, while the application is in the conversation (or, once
   * it ended under the application, everyone who took part): their resources stay readable in
   * their final state (no participantMessaging), so a message's `participant` link still answers
   * after its sender left. Not in the roster or its count.
   */
  readonly departed: readonly ParticipantData[]
}

/** A conversation as one transaction sees it. */
interface Scene {
  readonly conversation: Conversation
  readonly members: readonly Member[]
  readonly views: readonly View[]
  readonly invitations: readonly Invitation[]
}

const FORMATS = (html: boolean) => (html ? ['Plain', 'Html'] : ['Plain'])
const GONE: ConversationData['state'] = 'Disconnected'

export class MessagingService {
  readonly #store: Store
  readonly #channel: EventChannel
  readonly #clock: Clock
  readonly #random: Random
  readonly #sanitizer: HtmlSanitizer
  readonly #settings: MessagingSettings
  readonly #observer: MessagingObserver
  /** `${conversation}\n${user}` → typing until (ms). Ephemeral: typing does not survive a restart. */
  readonly #typing = new Map<string, number>()
  /** Per user: send times within the rate window. */
  readonly #sent = new Map<string, number[]>()

  constructor(deps: {
    store: Store
    channel: EventChannel
    clock: Clock
    random: Random
    sanitizer: HtmlSanitizer
    settings?: MessagingSettings
    observer?: MessagingObserver
  }) {
    this.#store = deps.store
    this.#channel = deps.channel
    this.#clock = deps.clock
    this.#random = deps.random
    this.#sanitizer = deps.sanitizer
    this.#settings = deps.settings ?? DEFAULT_MESSAGING
    this.#observer = deps.observer ?? NO_OBSERVER
  }

  /** startMessaging: a new conversation and its invitation; returns the invitation id. */
  async start(session: Session, app: Application, input: StartMessagingInput): Promise<string> {
    const to = this.#target(session, input.to)
    const message = input.message && this.#clean(input.message)
    const now = this.#clock.now()
    const target = await this.#store.users.findBySipUri(to)
    const recipients = target?.enabled ? await this.#receivingEndpoints(target, now) : []
    const failure = this.#unreachable(target, recipients)
    const conversation: Conversation = {
      id: this.#random.token(9),
      threadId: input.threadId ?? this.#random.token(16),
      subject: input.subject ?? '',
      importance: input.importance ?? 'Normal',
      mode: 'p2p',
      createdAt: now,
      endedAt: failure ? now : null,
    }
    const from: Member = {
      conversationId: conversation.id,
      userId: session.user.id,
      uri: session.user.sipUri,
      name: session.user.displayName,
      state: 'connected',
      joinedAt: now,
    }
    const invitation: Invitation = {
      id: this.#random.token(12),
      kind: 'messaging',
      conversationId: conversation.id,
      fromUserId: session.user.id,
      fromAppId: app.id,
      toUri: to,
      toUserId: target?.id ?? null,
      operationId: input.operationId ?? null,
      message: message ?? null,
      state: 'Connecting',
      reason: null,
      answeredAppId: null,
      createdAt: now,
      expiresAt: now + this.#settings.answerTimeoutSeconds * 1000,
    }
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      await tx.messaging.createConversation(conversation)
      await tx.messaging.upsertMember(from)
      await tx.messaging.createInvitation(
        failure ? { ...invitation, state: 'Failed', reason: failure } : invitation,
      )
      const sinceSeq = await tx.messaging.lastMessageSeq()
      const mine = this.#view(conversation.id, app.id, session.user, 'Connecting', 'Connecting', sinceSeq)
      const local = participantData(from, true)
      const scene: Scene = { conversation, members: [from], views: [mine], invitations: [invitation] }
      outbox.add(
        app.id,
        invitationEvent(this.#invitationData(invitation, scene, app.id), 'started'),
        conversationEvent(this.#conversationData(scene, mine), 'added'),
        participantEvent(conversation.id, local, 'added', true),
        messagingEvent(this.#messagingData(conversation.id, 'Connecting', app)),
      )
      if (failure) {
        // Nobody to ring: the invitation fails at once and the conversation ends under the caller,
        // which keeps it readable, Disconnected, as any endpoint it ended under (see #fail).
        const failed: Invitation = { ...invitation, state: 'Failed', reason: failure }
        const ended: View = { ...mine, state: 'Disconnected', messaging: 'Disconnected' }
        await tx.messaging.upsertView(ended)
        const after: Scene = { ...scene, views: [ended], invitations: [failed] }
        outbox.add(
          app.id,
          invitationEvent(this.#invitationData(failed, after, app.id), 'completed', failure),
          messagingEvent(this.#messagingData(conversation.id, 'Disconnected', app)),
          conversationEvent(conversationData(conversation, GONE, undefined, 0), 'deleted'),
        )
        await this.#observer.invitationFailed(tx, outbox, failed, conversation, failure)
        await this.#observer.conversationEnded(tx, outbox, conversation)
        return
      }
      await tx.messaging.upsertView(mine)
      if (!target) return
      await tx.messaging.upsertMember({
        conversationId: conversation.id,
        userId: target.id,
        uri: target.sipUri,
        name: target.displayName,
        state: 'invited',
        joinedAt: now,
      })
      await this.#ring(tx, outbox, invitation, target, recipients)
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
    const recipients = target?.enabled ? await this.#receivingEndpoints(target, now) : []
    const failure = this.#unreachable(target, recipients)
    const id = this.#random.token(12)
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const scene = await this.#addable(tx, session, app, conversationId, to)
      const invitation: Invitation = {
        id,
        kind: 'participant',
        conversationId: scene.conversation.id,
        fromUserId: session.user.id,
        fromAppId: app.id,
        toUri: to,
        toUserId: target?.id ?? null,
        operationId: input.operationId ?? null,
        message: null,
        state: 'Connecting',
        reason: null,
        answeredAppId: null,
        createdAt: now,
        expiresAt: now + this.#settings.answerTimeoutSeconds * 1000,
      }
      if (failure) {
        // Nobody to ring: the participantInvitation fails at once; the conversation is unchanged.
        const failed: Invitation = { ...invitation, state: 'Failed', reason: failure }
        await tx.messaging.createInvitation(failed)
        outbox.add(
          app.id,
          invitationEvent(this.#invitationData(invitation, scene, app.id), 'started'),
          invitationEvent(this.#invitationData(failed, scene, app.id), 'completed', failure),
        )
        await this.#observer.invitationFailed(tx, outbox, failed, scene.conversation, failure)
        return
      }
      if (target) await this.#invite(tx, outbox, scene, invitation, target, recipients)
    })
    return id
  }

  /** accept: this endpoint takes the conversation; the invitation ends on the user's others. */
  async accept(session: Session, app: Application, invitationId: string): Promise<void> {
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const invitation = await this.#incoming(tx, session, app, invitationId)
      const cid = invitation.conversationId
      const before = await this.#requireScene(tx, cid)
      const me = before.members.find((m) => m.userId === session.user.id)
      if (!me) throw new UcwaError('ResourceNotFound')
      const sinceSeq = await tx.messaging.lastMessageSeq()
      await tx.messaging.updateInvitation(invitation.id, { state: 'Connected', answeredAppId: app.id })
      await tx.messaging.upsertMember({ ...me, state: 'connected' })
      const elsewhere = before.views.filter(
        (v) => v.userId === session.user.id && v.appId !== app.id && v.state === 'Incoming',
      )
      for (const v of elsewhere) await tx.messaging.removeView(cid, v.appId)
      await tx.messaging.upsertView(this.#view(cid, app.id, session.user, 'Connected', 'Connected', sinceSeq))
      if (invitation.kind === 'messaging') {
        const senderView = before.views.find((v) => v.appId === invitation.fromAppId)
        if (senderView)
          await tx.messaging.upsertView({ ...senderView, state: 'Connected', messaging: 'Connected' })
      } else if (before.conversation.mode === 'escalating') {
        await tx.messaging.setConversationMode(cid, 'conference')
      }
      const scene = await this.#requireScene(tx, cid)
      const answered = scene.invitations.find((i) => i.id === invitation.id) ?? invitation
      for (const v of elsewhere) {
        // Answered on another endpoint of the same user.
        const data = this.#invitationData(answered, scene, v.appId)
        outbox.add(
          v.appId,
          invitationEvent(data, 'updated'),
          invitationEvent(data, 'completed', 'ConnectedElsewhere'),
          conversationEvent(conversationData(scene.conversation, GONE, undefined, 0), 'deleted'),
        )
      }
      if (invitation.kind === 'messaging') await this.#twoPartyConnected(tx, outbox, scene, answered, app)
      else this.#joined(outbox, scene, answered, app)
    })
  }

  /** decline: the invitation fails with Declined on every endpoint it rang. */
  async decline(session: Session, app: Application, invitationId: string): Promise<void> {
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const invitation = await this.#incoming(tx, session, app, invitationId)
      await this.#end(tx, outbox, invitation, 'Declined')
    })
  }

  /** cancel (participantInvitation): the inviter withdraws an unanswered addParticipant. */
  async cancelParticipant(session: Session, app: Application, invitationId: string): Promise<void> {
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const invitation = await tx.messaging.invitation(invitationId)
      const mine =
        invitation?.kind === 'participant' &&
        invitation.fromAppId === app.id &&
        invitation.fromUserId === session.user.id
      if (!invitation || !mine) throw new UcwaError('ResourceNotFound')
      if (invitation.state !== 'Connecting') {
        throw new UcwaError('Conflict', { message: 'The invitation was already answered or has ended.' })
      }
      await this.#end(tx, outbox, invitation, 'Canceled')
    })
  }

  /** Ends invitations nobody answered in time (NoAnswer); called by the maintenance tick. */
  async expireInvitations(): Promise<number> {
    const now = this.#clock.now()
    const expired = await this.#store.messaging.expiredInvitations(now, 200)
    for (const invitation of expired) {
      const outbox = new Outbox()
      await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
        const current = await tx.messaging.invitation(invitation.id)
        if (current?.state !== 'Connecting') return
        await this.#end(tx, outbox, current, 'NoAnswer')
      })
    }
    await this.#expireTyping(now)
    return expired.length
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
      const removed = await this.#store.messaging.removeEnded(before, PURGE_BATCH)
      total += removed
      if (removed < PURGE_BATCH) return total
    }
  }

  /** sendMessage: stored before the response, delivered to every connected endpoint in order. */
  async send(
    session: Session,
    app: Application,
    conversationId: string,
    content: MessageContent,
    operationId: string | null,
  ): Promise<Message> {
    const clean = this.#clean(content)
    this.#checkRate(session.user)
    const now = this.#clock.now()
    const outbox = new Outbox()
    const sent = await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const { scene, view } = await this.#connected(tx, session, app, conversationId, false)
      const conversation = scene.conversation
      const message = await tx.messaging.addMessage({
        conversationId: conversation.id,
        senderUserId: session.user.id,
        senderAppId: app.id,
        contentType: clean.contentType,
        body: clean.body,
        operationId,
        createdAt: now,
      })
      const sender = participantData({ uri: session.user.sipUri, name: session.user.displayName }, false)
      // An indication was announced for it (even if it lapsed since): the others need its end.
      const wasTyping = this.#typing.delete(this.#typingKey(conversation.id, session.user.id))
      for (const other of scene.views) {
        if (other.state !== 'Connected') continue
        const own = other.appId === view.appId
        const data: MessageData = {
          conversationId: conversation.id,
          seq: message.seq,
          direction: own ? 'Outgoing' : 'Incoming',
          timeStamp: now,
          operationId: own ? operationId : null,
          sender: own ? { ...sender, local: true } : sender,
          ...(await this.#asTheyRead(tx, other.appId, message)),
        }
        if (!own && wasTyping) outbox.add(other.appId, typingEvent(conversation.id, sender, 'deleted'))
        outbox.add(other.appId, messageEvent(data))
      }
      await this.#observer.messageSent(tx, outbox, message, conversation, scene.members)
      return message
    })
    this.#recordSend(session.user)
    return sent
  }

  // An endpoint that negotiated only Plain gets an HTML message as its text (docs/protocol.md §7.2:
  // HTML goes only where Html was negotiated). Plain messages need no lookup.
  async #asTheyRead(tx: Tx, appId: ApplicationId, message: Message): Promise<MessageContent> {
    if (message.contentType !== 'text/html') return message
    const app = await tx.applications.find(appId)
    if (app?.communication.supportedMessageFormats.includes('Html')) return message
    return { contentType: 'text/plain', body: this.#sanitizer.toText(message.body) }
  }

  /** setIsTyping: the others see the caller typing for a few seconds. */
  async typing(session: Session, app: Application, conversationId: string): Promise<void> {
    const now = this.#clock.now()
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const { scene, view } = await this.#connected(tx, session, app, conversationId, false)
      const key = this.#typingKey(scene.conversation.id, session.user.id)
      const already = (this.#typing.get(key) ?? 0) > now
      this.#typing.set(key, now + this.#settings.typingSeconds * 1000)
      if (already) return
      const me = participantData({ uri: session.user.sipUri, name: session.user.displayName }, false)
      for (const other of scene.views) {
        if (other.state === 'Connected' && other.appId !== view.appId) {
          outbox.add(other.appId, typingEvent(scene.conversation.id, me, 'added'))
        }
      }
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
   * only ringing: nobody declined there, so it just stops ringing (#stopRinging).
   */
  async endpointGone(user: User, app: Application): Promise<void> {
    for (const view of await this.#store.messaging.viewsOfApp(app.id)) {
      await this.#leave(user, app, view.conversationId, true).catch((error: unknown) => {
        if (!(error instanceof UcwaError)) throw error
      })
    }
  }

  /** Endpoints whose application expired since the last look: they leave their conversations. */
  async dropExpiredEndpoints(): Promise<number> {
    const now = this.#clock.now()
    const views = await this.#store.messaging.viewsOfExpiredApps(now, 200)
    for (const view of views) {
      const user = await this.#store.users.findById(view.userId)
      const app = await this.#store.applications.find(view.appId)
      if (user && app) await this.endpointGone(user, app)
    }
    return views.length
  }

  async #leave(user: User, app: Application, conversationId: string, gone: boolean): Promise<void> {
    const session = { user }
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const scene = await this.#scene(tx, conversationId)
      const view = scene?.views.find((v) => v.appId === app.id)
      if (!scene || !view || view.userId !== session.user.id) throw new UcwaError('ResourceNotFound')
      // Ended already: leaving only forgets it (nobody is told anything new).
      if (view.state === 'Disconnected') return tx.messaging.removeView(conversationId, app.id)
      const pending = scene.invitations.filter((i) => i.state === 'Connecting')
      if (view.state === 'Incoming') {
        const invitation = pending.find((i) => i.toUserId === session.user.id)
        if (invitation && gone) return this.#stopRinging(tx, outbox, scene, invitation, app.id)
        if (invitation) return this.#end(tx, outbox, invitation, 'Declined')
      }
      if (view.state === 'Connecting') {
        const invitation = pending.find((i) => i.fromAppId === app.id && i.kind === 'messaging')
        if (invitation) return this.#end(tx, outbox, invitation, 'Canceled')
      }
      await this.#depart(tx, outbox, scene, view, session.user, app)
    })
  }

  /**
   * A ringing endpoint went away (deleted or expired) without answering. As with Lync's forking,
   * only that fork ends: the invitation rings on at the invitee's other live endpoints, and no
   * one is told (nothing reaches a deleted or expired application, and nothing the others read
   * changed). Once none is left ringing, the invitee could not be reached after all: the
   * invitation fails with TemporarilyUnavailable, as when nobody could be rung at all (a missed
   * conversation for the invitee, like NoAnswer). Not a decline: nobody declined.
   */
  async #stopRinging(
    tx: Tx,
    outbox: Outbox,
    scene: Scene,
    invitation: Invitation,
    appId: ApplicationId,
  ): Promise<void> {
    await tx.messaging.removeView(scene.conversation.id, appId)
    const now = this.#clock.now()
    for (const v of scene.views) {
      if (v.appId === appId || v.userId !== invitation.toUserId || v.state !== 'Incoming') continue
      // An endpoint that expired but was not dropped yet rings no more either.
      const other = await tx.applications.find(v.appId)
      if (other && other.expiresAt > now) return
    }
    await this.#end(tx, outbox, invitation, 'TemporarilyUnavailable')
  }

  // ---- reads (for the resources) --------------------------------------------------------------

  /** The caller's view of a conversation, or 404. */
  async conversation(session: Session, app: Application, conversationId: string): Promise<ConversationView> {
    const scene = await this.#scene(this.#store, conversationId)
    const view = scene?.views.find((v) => v.appId === app.id)
    if (!scene || !view || view.userId !== session.user.id) throw new UcwaError('ResourceNotFound')
    return this.#present(scene, view, app)
  }

  /** The application's live conversations (`conversations?filter=active`). */
  async conversations(session: Session, app: Application): Promise<ConversationView[]> {
    const out: ConversationView[] = []
    for (const view of await this.#store.messaging.viewsOfApp(app.id)) {
      if (view.userId !== session.user.id || view.state === 'Disconnected') continue
      const scene = await this.#scene(this.#store, view.conversationId)
      if (scene) out.push(this.#present(scene, view, app))
    }
    return out
  }

  /**
   * An invitation as the caller's application sees it, or 404: the inviting endpoint sees its
   * messagingInvitation or participantInvitation, every endpoint of the invitee the
   * messagingInvitation (also once it ended, so the events' embedded copies stay GET-able).
   */
  async invitation(
    session: Session,
    app: Application,
    invitationId: string,
    rel: InvitationData['rel'] = 'messagingInvitation',
  ): Promise<InvitationData> {
    const invitation = await this.#store.messaging.invitation(invitationId)
    const mine =
      invitation &&
      ((invitation.fromAppId === app.id && invitation.fromUserId === session.user.id) ||
        invitation.toUserId === session.user.id)
    const scene = mine ? await this.#scene(this.#store, invitation.conversationId) : undefined
    if (!invitation || !scene) throw new UcwaError('ResourceNotFound')
    const data = this.#invitationData(invitation, scene, app.id)
    if (data.rel !== rel) throw new UcwaError('ResourceNotFound')
    return data
  }

  /** One message of a conversation, to an application connected in it when it was sent. */
  async message(
    session: Session,
    app: Application,
    conversationId: string,
    seq: number,
  ): Promise<MessageData> {
    const message = await this.#readable(session, app, conversationId, seq)
    const members = await this.#store.messaging.members(conversationId)
    const sender = members.find((m) => m.userId === message.senderUserId)
    const own = message.senderAppId === app.id
    return {
      conversationId,
      seq,
      direction: own ? 'Outgoing' : 'Incoming',
      timeStamp: message.createdAt,
      operationId: own ? message.operationId : null,
      sender: participantData(sender ?? { uri: '', name: '' }, own),
      contentType: message.contentType,
      body: message.body,
    }
  }

  /**
   * A reply POSTed to a message's own href: sendMessage into that message's conversation, once the
   * caller can read that message (an unknown one is 404: no resource is invented).
   */
  async reply(
    session: Session,
    app: Application,
    conversationId: string,
    seq: number,
    content: MessageContent,
    operationId: string | null,
  ): Promise<Message> {
    await this.#readable(session, app, conversationId, seq)
    return this.send(session, app, conversationId, content, operationId)
  }

  /** A message the caller's application may read (sent while it was connected), or 404. */
  async #readable(session: Session, app: Application, conversationId: string, seq: number): Promise<Message> {
    const view = await this.#store.messaging.view(conversationId, app.id)
    const reads = view?.state === 'Connected' || view?.state === 'Disconnected'
    if (!view || view.userId !== session.user.id || !reads || seq <= view.sinceSeq)
      throw new UcwaError('ResourceNotFound')
    const message = await this.#store.messaging.message(conversationId, seq)
    if (!message) throw new UcwaError('ResourceNotFound')
    return message
  }

  /** Who is typing in a conversation now (other than the caller), as the caller's endpoint sees it. */
  async typingIn(session: Session, app: Application, conversationId: string): Promise<ParticipantData[]> {
    const scene = await this.#scene(this.#store, conversationId)
    const view = scene?.views.find((v) => v.appId === app.id)
    if (!scene || !view || view.userId !== session.user.id) throw new UcwaError('ResourceNotFound')
    if (view.state !== 'Connected') return []
    const now = this.#clock.now()
    return scene.members
      .filter(
        (m) =>
          m.state === 'connected' &&
          m.userId !== session.user.id &&
          (this.#typing.get(this.#typingKey(conversationId, m.userId)) ?? 0) > now,
      )
      .map((m) => participantData(m, false, true))
  }

  // ---- internals: the flows -------------------------------------------------------------------

  /** The conversation `to` may be added to by the caller's endpoint, or the reason why not. */
  async #addable(tx: Tx, session: Session, app: Application, conversationId: string, to: SipUri) {
    const scene = await this.#scene(tx, conversationId)
    const view = scene?.views.find((v) => v.appId === app.id)
    if (!scene || !view || view.userId !== session.user.id || view.state === 'Disconnected')
      throw new UcwaError('ResourceNotFound')
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

  /** addParticipant with someone to ring: escalates a two-party conversation first. */
  async #invite(
    tx: Tx,
    outbox: Outbox,
    scene: Scene,
    invitation: Invitation,
    target: User,
    recipients: readonly Application[],
  ): Promise<void> {
    const cid = scene.conversation.id
    await tx.messaging.createInvitation(invitation)
    await tx.messaging.upsertMember({
      conversationId: cid,
      userId: target.id,
      uri: target.sipUri,
      name: target.displayName,
      state: 'invited',
      joinedAt: invitation.createdAt,
    })
    const escalate = scene.conversation.mode === 'p2p'
    if (escalate) await tx.messaging.setConversationMode(cid, 'escalating')
    const after = await this.#requireScene(tx, cid)
    outbox.add(
      invitation.fromAppId,
      invitationEvent(this.#invitationData(invitation, after, invitation.fromAppId), 'started'),
    )
    if (escalate) {
      for (const v of after.views) {
        if (v.state === 'Connected')
          outbox.add(v.appId, conversationEvent(this.#conversationData(after, v), 'updated'))
      }
    }
    await this.#ring(tx, outbox, invitation, target, recipients)
  }

  /** Rings the invitee's endpoints: each gets an Incoming messagingInvitation and conversation. */
  async #ring(
    tx: Tx,
    outbox: Outbox,
    invitation: Invitation,
    target: User,
    recipients: readonly Application[],
  ): Promise<void> {
    const cid = invitation.conversationId
    for (const endpoint of recipients) {
      await tx.messaging.upsertView(this.#view(cid, endpoint.id, target, 'Incoming', 'Connecting', 0))
    }
    const scene = await this.#requireScene(tx, cid)
    const from = scene.members.find((m) => m.userId === invitation.fromUserId)
    const theirs = participantData({ uri: target.sipUri, name: target.displayName }, true)
    for (const view of scene.views) {
      if (view.userId !== target.id || view.state !== 'Incoming') continue
      outbox.add(
        view.appId,
        invitationEvent(this.#invitationData(invitation, scene, view.appId), 'started'),
        conversationEvent(this.#conversationData(scene, view), 'added'),
        participantEvent(cid, theirs, 'added', true),
      )
      if (from) outbox.add(view.appId, participantEvent(cid, participantData(from, false), 'added', false))
    }
  }

  /** A startMessaging invitation accepted: both sides connected. */
  async #twoPartyConnected(
    tx: Tx,
    outbox: Outbox,
    scene: Scene,
    invitation: Invitation,
    app: Application,
  ): Promise<void> {
    const cid = scene.conversation.id
    const me = this.#member(scene, app.id)
    const from = scene.members.find((m) => m.userId === invitation.fromUserId)
    const mine = this.#viewOf(scene, app.id)
    if (!me || !from || !mine) return
    const local = participantData(me, true)
    const theirs = participantData(from, false)
    outbox.add(
      app.id,
      messagingEvent(this.#messagingData(cid, 'Connected', app)),
      conversationEvent(this.#conversationData(scene, mine), 'updated'),
      participantMessagingEvent(cid, local, 'added'),
      participantMessagingEvent(cid, theirs, 'added'),
      invitationEvent(this.#invitationData(invitation, scene, app.id), 'completed'),
    )
    if (invitation.message) await this.#deliverFirst(tx, outbox, invitation, invitation.message, from, app)
    const senderView = this.#viewOf(scene, invitation.fromAppId)
    const senderApp = senderView && (await tx.applications.find(invitation.fromAppId))
    if (!senderView || !senderApp) return
    const senderLocal = participantData(from, true)
    const accepted = participantData(me, false)
    outbox.add(
      invitation.fromAppId,
      conversationEvent(this.#conversationData(scene, senderView), 'updated'),
      participantEvent(cid, accepted, 'added', false),
      participantMessagingEvent(cid, accepted, 'added'),
      participantMessagingEvent(cid, senderLocal, 'added'),
      messagingEvent(this.#messagingData(cid, 'Connected', senderApp)),
      invitationEvent(this.#invitationData(invitation, scene, invitation.fromAppId), 'completed'),
    )
  }

  /**
   * The invitation's first message, once accepted, becomes the conversation's first message: the
   * accepting endpoint gets it as an incoming `message` event after the invitation completed, as
   * real pools did (ReceiveAnIM.md, the last step), and can GET (or reply to) its href. The
   * history keeps it from the invitation already, so the observer is not told again.
   */
  async #deliverFirst(
    tx: Tx,
    outbox: Outbox,
    invitation: Invitation,
    content: MessageContent,
    from: Member,
    app: Application,
  ): Promise<void> {
    const message = await tx.messaging.addMessage({
      conversationId: invitation.conversationId,
      senderUserId: invitation.fromUserId,
      senderAppId: invitation.fromAppId,
      contentType: content.contentType,
      body: content.body,
      operationId: null,
      createdAt: invitation.createdAt,
    })
    outbox.add(
      app.id,
      messageEvent({
        conversationId: invitation.conversationId,
        seq: message.seq,
        direction: 'Incoming',
        timeStamp: message.createdAt,
        operationId: null,
        sender: participantData(from, false),
        ...(await this.#asTheyRead(tx, app.id, message)),
      }),
    )
  }

  /** An addParticipant invitation accepted: the newcomer joins, everyone connected sees it. */
  #joined(outbox: Outbox, scene: Scene, invitation: Invitation, app: Application): void {
    const cid = scene.conversation.id
    const me = this.#member(scene, app.id)
    const mine = this.#viewOf(scene, app.id)
    if (!me || !mine) return
    const roster = this.#roster(scene, mine)
    const others = roster.filter((m) => m.userId !== me.userId)
    outbox.add(
      app.id,
      messagingEvent(this.#messagingData(cid, 'Connected', app)),
      conversationEvent(this.#conversationData(scene, mine), 'updated'),
    )
    for (const m of others) {
      // The inviter was in the ringing view already.
      if (m.userId !== invitation.fromUserId)
        outbox.add(app.id, participantEvent(cid, participantData(m, false), 'added', false))
    }
    outbox.add(app.id, participantMessagingEvent(cid, participantData(me, true), 'added'))
    for (const m of others)
      outbox.add(app.id, participantMessagingEvent(cid, participantData(m, false), 'added'))
    // Whoever is typing right now shows as typing to the newcomer too.
    const now = this.#clock.now()
    for (const m of others) {
      if ((this.#typing.get(this.#typingKey(cid, m.userId)) ?? 0) > now)
        outbox.add(app.id, typingEvent(cid, participantData(m, false), 'added'))
    }
    outbox.add(app.id, invitationEvent(this.#invitationData(invitation, scene, app.id), 'completed'))
    const newcomer = participantData(me, false)
    for (const view of scene.views) {
      if (view.state !== 'Connected' || view.appId === app.id) continue
      outbox.add(
        view.appId,
        participantEvent(cid, newcomer, 'added', false),
        participantMessagingEvent(cid, newcomer, 'added'),
        conversationEvent(this.#conversationData(scene, view), 'updated'),
      )
      if (view.appId === invitation.fromAppId)
        outbox.add(
          view.appId,
          invitationEvent(this.#invitationData(invitation, scene, view.appId), 'completed'),
        )
    }
  }

  /** An invitation ends unanswered (declined, canceled, no answer). */
  async #end(tx: Tx, outbox: Outbox, invitation: Invitation, reason: FailureReason): Promise<void> {
    if (invitation.kind === 'messaging') return this.#fail(tx, outbox, invitation, reason)
    if (await this.#failParticipant(tx, outbox, invitation, reason)) {
      // It settled the escalation: the connected see Conferenced.
      const scene = await this.#requireScene(tx, invitation.conversationId)
      for (const view of scene.views) {
        if (view.state === 'Connected')
          outbox.add(view.appId, conversationEvent(this.#conversationData(scene, view), 'updated'))
      }
    }
  }

  /**
   * A startMessaging invitation failed: the conversation ends for everyone in it. The caller took
   * part and, unless it canceled, did not end it itself, so it keeps the conversation readable,
   * Disconnected, as the endpoint a conversation ended under does (#depart): clients GET the
   * invitation's conversation once it completes, whatever its status, and DELETE it
   * (kdembeck/WebChat InstantMessagingUtility.cs). Endpoints that were only rung keep nothing.
   */
  async #fail(tx: Tx, outbox: Outbox, invitation: Invitation, reason: FailureReason): Promise<void> {
    const cid = invitation.conversationId
    await tx.messaging.updateInvitation(invitation.id, { state: 'Failed', reason })
    await tx.messaging.endConversation(cid, this.#clock.now())
    const before = await this.#requireScene(tx, cid)
    const kept: View[] = []
    for (const view of before.views) {
      if (view.appId === invitation.fromAppId && reason !== 'Canceled') {
        const ended: View = { ...view, state: 'Disconnected', messaging: 'Disconnected' }
        await tx.messaging.upsertView(ended)
        kept.push(ended)
      } else await tx.messaging.removeView(cid, view.appId)
    }
    const scene: Scene = { ...before, views: kept }
    const failed = scene.invitations.find((i) => i.id === invitation.id) ?? invitation
    for (const view of before.views) {
      await this.#invitationEndedOn(tx, outbox, view.appId, failed, scene, reason)
    }
    this.#clearTyping(cid)
    await this.#observer.invitationFailed(tx, outbox, failed, scene.conversation, reason)
    await this.#observer.conversationEnded(tx, outbox, scene.conversation)
  }

  /**
   * An addParticipant invitation failed: it ends on the invitee's endpoints and for the inviter;
   * the conversation goes on. True when this settled a pending escalation (now Conferenced); the
   * caller tells the connected.
   */
  async #failParticipant(
    tx: Tx,
    outbox: Outbox,
    invitation: Invitation,
    reason: FailureReason,
  ): Promise<boolean> {
    const cid = invitation.conversationId
    await tx.messaging.updateInvitation(invitation.id, { state: 'Failed', reason })
    const before = await this.#requireScene(tx, cid)
    const invitee = before.members.find((m) => m.userId === invitation.toUserId)
    if (invitee?.state === 'invited') await tx.messaging.upsertMember({ ...invitee, state: 'left' })
    const settles = before.conversation.mode === 'escalating'
    if (settles) await tx.messaging.setConversationMode(cid, 'conference')
    const ringing = before.views.filter((v) => v.userId === invitation.toUserId && v.state === 'Incoming')
    for (const view of ringing) await tx.messaging.removeView(cid, view.appId)
    const scene = await this.#requireScene(tx, cid)
    const failed = scene.invitations.find((i) => i.id === invitation.id) ?? invitation
    for (const view of ringing) await this.#invitationEndedOn(tx, outbox, view.appId, failed, scene, reason)
    if (await tx.applications.find(invitation.fromAppId)) {
      outbox.add(
        invitation.fromAppId,
        invitationEvent(this.#invitationData(failed, scene, invitation.fromAppId), 'completed', reason),
      )
    }
    await this.#observer.invitationFailed(tx, outbox, failed, scene.conversation, reason)
    return settles
  }

  // What an endpoint that was rung (or calling) hears when its invitation failed: the invitation
  // completed with the reason, messaging Disconnected, the conversation gone from its view.
  async #invitationEndedOn(
    tx: Tx,
    outbox: Outbox,
    appId: ApplicationId,
    failed: Invitation,
    scene: Scene,
    reason: FailureReason,
  ): Promise<void> {
    const cid = scene.conversation.id
    const app = await tx.applications.find(appId)
    outbox.add(appId, invitationEvent(this.#invitationData(failed, scene, appId), 'completed', reason))
    if (app) outbox.add(appId, messagingEvent(this.#messagingData(cid, 'Disconnected', app)))
    outbox.add(appId, conversationEvent(conversationData(scene.conversation, GONE, undefined, 0), 'deleted'))
  }

  /** A connected endpoint leaves; the conversation ends when fewer than two participants remain. */
  async #depart(
    tx: Tx,
    outbox: Outbox,
    scene: Scene,
    view: View,
    user: User,
    app: Application,
  ): Promise<void> {
    const cid = scene.conversation.id
    // Out first, so what it is told about its own invitations links nothing of the conversation.
    await tx.messaging.removeView(cid, app.id)
    // Invitations this endpoint sent that nobody answered yet end with it.
    for (const invitation of scene.invitations) {
      if (invitation.state === 'Connecting' && invitation.fromAppId === view.appId)
        await this.#failParticipant(tx, outbox, invitation, 'Canceled')
    }
    const me = scene.members.find((m) => m.userId === user.id)
    if (me) await tx.messaging.upsertMember({ ...me, state: 'left' })
    const wasTyping = this.#typing.delete(this.#typingKey(cid, user.id))
    const after = await this.#requireScene(tx, cid)
    this.#unlinked(outbox, scene, after, app.id, user.id)
    outbox.add(
      app.id,
      messagingEvent(this.#messagingData(cid, 'Disconnected', app)),
      conversationEvent(conversationData(scene.conversation, GONE, undefined, 0), 'deleted'),
    )
    const remaining = after.views.filter((v) => v.state === 'Connected')
    const leaver = participantData(me ?? { uri: user.sipUri, name: user.displayName }, false)
    const ends = new Set(remaining.map((v) => v.userId)).size < 2
    for (const other of remaining) {
      if (wasTyping) outbox.add(other.appId, typingEvent(cid, leaver, 'deleted'))
      outbox.add(
        other.appId,
        participantMessagingEvent(cid, leaver, 'deleted'),
        participantEvent(cid, leaver, 'deleted', false),
      )
      if (!ends) outbox.add(other.appId, conversationEvent(this.#conversationData(after, other), 'updated'))
    }
    if (!ends) return
    // Fewer than two left: invitations still ringing are withdrawn and the conversation ends.
    for (const invitation of after.invitations) {
      if (invitation.state === 'Connecting') await this.#failParticipant(tx, outbox, invitation, 'Canceled')
    }
    for (const other of remaining) {
      // Ended under it, the endpoint keeps the conversation readable, Disconnected (see #present).
      await tx.messaging.upsertView({ ...other, state: 'Disconnected', messaging: 'Disconnected' })
      const otherApp = await tx.applications.find(other.appId)
      if (otherApp)
        outbox.add(other.appId, messagingEvent(this.#messagingData(cid, 'Disconnected', otherApp), 'Ended'))
      outbox.add(
        other.appId,
        conversationEvent(conversationData(after.conversation, GONE, undefined, 0), 'deleted'),
      )
    }
    await tx.messaging.endConversation(cid, this.#clock.now())
    this.#clearTyping(cid)
    await this.#observer.conversationEnded(tx, outbox, after.conversation)
  }

  /**
   * The invitations `appId` reads that linked the conversation before it left and no longer do
   * (its own, and the one that brought its user in): `updated`, since their GET changed. Those that
   * ended in this step were already told with `completed`.
   */
  #unlinked(outbox: Outbox, before: Scene, after: Scene, appId: ApplicationId, userId: string): void {
    for (const invitation of after.invitations) {
      const readable = invitation.fromAppId === appId || invitation.toUserId === userId
      const was = before.invitations.find((i) => i.id === invitation.id)
      if (!readable || was?.state !== invitation.state) continue
      if (this.#invitationData(invitation, before, appId).detached) continue
      outbox.add(appId, invitationEvent(this.#invitationData(invitation, after, appId), 'updated'))
    }
  }

  // ---- internals: reading and shaping ---------------------------------------------------------

  // `withInvitations: false` for actions that never look at invitations (sending a message).
  async #scene(tx: Tx, conversationId: string, withInvitations = true): Promise<Scene | undefined> {
    const conversation = await tx.messaging.conversation(conversationId)
    if (!conversation) return undefined
    return {
      conversation,
      members: await tx.messaging.members(conversationId),
      views: await tx.messaging.views(conversationId),
      invitations: withInvitations ? await tx.messaging.invitations(conversationId) : [],
    }
  }

  async #requireScene(tx: Tx, conversationId: string): Promise<Scene> {
    const scene = await this.#scene(tx, conversationId)
    if (!scene) throw new UcwaError('ResourceNotFound')
    return scene
  }

  #viewOf(scene: Scene, appId: ApplicationId): View | undefined {
    return scene.views.find((v) => v.appId === appId)
  }

  #member(scene: Scene, appId: ApplicationId): Member | undefined {
    const view = this.#viewOf(scene, appId)
    return view && scene.members.find((m) => m.userId === view.userId)
  }

  /**
   * The participants an application sees, itself included: ringing, itself and the inviter;
   * calling, itself; connected, everyone connected; ended, nobody.
   */
  #roster(scene: Scene, view: View): Member[] {
    const me = scene.members.find((m) => m.userId === view.userId)
    if (view.state === 'Disconnected') return []
    if (view.state === 'Connected') return scene.members.filter((m) => m.state === 'connected')
    if (view.state === 'Incoming') {
      const invitation = scene.invitations.find((i) => i.state === 'Connecting' && i.toUserId === view.userId)
      const from = invitation && scene.members.find((m) => m.userId === invitation.fromUserId)
      return [me, from].filter((m): m is Member => m !== undefined)
    }
    return me ? [me] : []
  }

  #stateOf(scene: Scene, view: View): ConversationState {
    if (view.state !== 'Connected') return view.state
    const mode = scene.conversation.mode
    return mode === 'p2p' ? 'Connected' : mode === 'escalating' ? 'Conferencing' : 'Conferenced'
  }

  #conversationData(scene: Scene, view: View): ConversationData {
    const me = scene.members.find((m) => m.userId === view.userId)
    return conversationData(
      scene.conversation,
      this.#stateOf(scene, view),
      me && participantData(me, true),
      this.#roster(scene, view).length,
    )
  }

  #present(scene: Scene, view: View, app: Application): ConversationView {
    const roster = this.#roster(scene, view)
    const local = roster.filter((m) => m.userId === view.userId)
    const others = roster.filter((m) => m.userId !== view.userId)
    // Taking part, the application sees connected participants only, each in messaging; those
    // who left stay readable. Once the conversation ended under it, everyone who took part does.
    const taking = inConversation(this.#stateOf(scene, view))
    const ended = view.state === 'Disconnected'
    const departed =
      taking || ended
        ? scene.members.filter((m) => (ended || m.state !== 'connected') && this.#tookPart(scene, m))
        : []
    return {
      conversation: this.#conversationData(scene, view),
      messaging: this.#messagingData(scene.conversation.id, view.messaging, app),
      roster: [
        ...local.map((m) => participantData(m, true, taking)),
        ...others.map((m) => participantData(m, false, taking)),
      ],
      departed: departed.map((m) => participantData(m, m.userId === view.userId)),
    }
  }

  /**
   * Whether a member was ever connected: it started the conversation or accepted an invitation
   * into it (declined and unanswered invitees never were participants).
   */
  #tookPart(scene: Scene, m: Member): boolean {
    return scene.invitations.some(
      (i) =>
        (i.kind === 'messaging' && i.fromUserId === m.userId) ||
        (i.state === 'Connected' && i.toUserId === m.userId),
    )
  }

  /** An invitation as `appId` sees it: the inviting endpoint, or an endpoint of the invitee. */
  #invitationData(invitation: Invitation, scene: Scene, appId: ApplicationId): InvitationData {
    const outgoing = invitation.fromAppId === appId
    const from = scene.members.find((m) => m.userId === invitation.fromUserId)
    const invitee = scene.members.find((m) => m.userId === invitation.toUserId)
    // Answered on another endpoint of the invitee: over here it did not connect.
    const elsewhere = !outgoing && invitation.state === 'Connected' && invitation.answeredAppId !== appId
    const state = elsewhere ? 'Failed' : invitation.state
    // Nothing of the conversation is linked where it answers 404 (no view), nor from an invitation
    // of an earlier stay: a failed incoming one never led in, and once the reader's user left and
    // was invited again, its older invitations must not link the conversation anew (their GET
    // would change without an event).
    const view = scene.views.find((v) => v.appId === appId)
    const laterStay = (userId: string) =>
      scene.invitations.some((i) => i.toUserId === userId && i.createdAt > invitation.createdAt)
    const detached = !view || (!outgoing && state === 'Failed') || laterStay(view.userId)
    const conversation = scene.conversation
    return {
      id: invitation.id,
      rel: outgoing && invitation.kind === 'participant' ? 'participantInvitation' : 'messagingInvitation',
      conversationId: conversation.id,
      direction: outgoing ? 'Outgoing' : 'Incoming',
      state,
      importance: conversation.importance,
      subject: conversation.subject,
      threadId: conversation.threadId,
      operationId: outgoing ? invitation.operationId : null,
      from: participantData(from ?? { uri: '', name: '' }, outgoing),
      toUri: invitation.toUri,
      message: invitation.message,
      actionable: state === 'Connecting' && !detached,
      acceptedBy: outgoing && state === 'Connected' && invitee ? participantData(invitee, false) : undefined,
      ...(detached ? { detached } : {}),
    }
  }

  #messagingData(conversationId: string, state: View['messaging'], app: Application): MessagingData {
    return {
      conversationId,
      state,
      formats: FORMATS(app.communication.supportedMessageFormats.includes('Html')),
    }
  }

  #view(
    conversationId: string,
    appId: ApplicationId,
    user: User,
    state: View['state'],
    messaging: View['messaging'],
    sinceSeq: number,
  ): View {
    return {
      conversationId,
      appId,
      userId: user.id,
      state,
      messaging,
      sinceSeq,
      createdAt: this.#clock.now(),
    }
  }

  // ---- internals: checks ----------------------------------------------------------------------

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

  #unreachable(target: User | undefined, recipients: readonly Application[]): FailureReason | undefined {
    if (!target?.enabled) return 'DestinationNotFound'
    return recipients.length === 0 ? 'TemporarilyUnavailable' : undefined
  }

  /** An invitation to one of the caller's endpoints that is still ringing there. */
  async #incoming(tx: Tx, session: Session, app: Application, invitationId: string): Promise<Invitation> {
    const invitation = await tx.messaging.invitation(invitationId)
    if (!invitation || invitation.toUserId !== session.user.id) throw new UcwaError('ResourceNotFound')
    if (invitation.state !== 'Connecting') {
      throw new UcwaError('Conflict', { message: 'The invitation was already answered or has ended.' })
    }
    const view = await tx.messaging.view(invitation.conversationId, app.id)
    if (view?.state !== 'Incoming') throw new UcwaError('ResourceNotFound')
    return invitation
  }

  async #connected(
    tx: Tx,
    session: Session,
    app: Application,
    conversationId: string,
    withInvitations = true,
  ) {
    const scene = await this.#scene(tx, conversationId, withInvitations)
    const view = scene && this.#viewOf(scene, app.id)
    if (!scene || !view || view.userId !== session.user.id || view.state === 'Disconnected')
      throw new UcwaError('ResourceNotFound')
    if (view.state !== 'Connected' || view.messaging !== 'Connected') {
      throw new UcwaError('Conflict', { message: 'Messaging is not connected in this conversation yet.' })
    }
    return { scene, view }
  }

  /** The user's endpoints that can take an IM now: available, live, with Messaging. */
  async #receivingEndpoints(user: User, now: number): Promise<Application[]> {
    const endpoints = await this.#store.applications.listAvailable(user.id)
    return endpoints.filter(
      (e) => e.expiresAt > now && e.communication.supportedModalities.includes('Messaging'),
    )
  }

  #clean(content: MessageContent): MessageContent {
    if (Buffer.byteLength(content.body) > this.#settings.maxMessageBytes) {
      throw new UcwaError('EntityTooLarge', {
        message: `A message may hold at most ${this.#settings.maxMessageBytes} bytes.`,
      })
    }
    if (content.body.trim() === '') {
      throw new UcwaError('ParameterValidationFailure', { message: 'The message is empty.' })
    }
    return content.contentType === 'text/html'
      ? { contentType: 'text/html', body: this.#sanitizer.sanitize(content.body) }
      : content
  }

  /** 429 when the user already sent the most messages the window allows. */
  #checkRate(user: User): void {
    const now = this.#clock.now()
    const windowMs = this.#settings.rateWindowSeconds * 1000
    const recent = (this.#sent.get(user.id) ?? []).filter((t) => now - t < windowMs)
    this.#sent.set(user.id, recent)
    if (recent.length >= this.#settings.maxMessagesPerWindow) {
      const retry = Math.max(1, Math.ceil(((recent[0] ?? now) + windowMs - now) / 1000))
      throw new UcwaError('TooManyRequests', {
        message: `At most ${this.#settings.maxMessagesPerWindow} messages per ${this.#settings.rateWindowSeconds} s; try again in ${retry} s.`,
        retryAfterSeconds: retry,
      })
    }
  }

  /** Counts a stored message against the sender's window (refused ones do not count). */
  #recordSend(user: User): void {
    const recent = this.#sent.get(user.id) ?? []
    recent.push(this.#clock.now())
    this.#sent.set(user.id, recent)
  }

  #typingKey(conversationId: string, userId: string): string {
    return `${conversationId}\n${userId}`
  }

  #clearTyping(conversationId: string): void {
    for (const key of this.#typing.keys()) if (key.startsWith(`${conversationId}\n`)) this.#typing.delete(key)
  }

  async #expireTyping(now: number): Promise<void> {
    for (const [key, until] of this.#typing) {
      if (until > now) continue
      this.#typing.delete(key)
      const [conversationId = '', userId = ''] = key.split('\n')
      const members = await this.#store.messaging.members(conversationId)
      const typist = members.find((m) => m.userId === userId)
      if (!typist) continue
      const outbox = new Outbox()
      await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
        for (const view of await tx.messaging.views(conversationId)) {
          if (view.state === 'Connected' && view.userId !== userId) {
            outbox.add(view.appId, typingEvent(conversationId, participantData(typist, false), 'deleted'))
          }
        }
      })
    }
  }
}
