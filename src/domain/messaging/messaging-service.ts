// Instant messaging: startMessaging, accept/decline/timeout, sendMessage, typing, leaving.
// One application view per endpoint in the conversation; every change is one transaction with
// its events. See docs/messaging.md.
import type { Application } from '../applications/application-types.ts'
import type { Session } from '../auth/auth-service.ts'
import { UcwaError } from '../errors.ts'
import { commitWithEvents, type EventChannel } from '../events/event-channel.ts'
import { Outbox } from '../events/outbox.ts'
import type { ApplicationId } from '../ids.ts'
import type { Clock, HtmlSanitizer, Random, Store } from '../ports.ts'
import { parseSipUri } from '../users/sip-uri.ts'
import type { User } from '../users/user-types.ts'
import {
  conversationData,
  conversationEvent,
  type InvitationData,
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
}

export const DEFAULT_MESSAGING: MessagingSettings = {
  answerTimeoutSeconds: 30,
  maxMessageBytes: 64 * 1024,
  maxMessagesPerWindow: 100,
  rateWindowSeconds: 10,
  typingSeconds: 5,
}

export interface StartMessagingInput {
  readonly to: string
  readonly subject?: string | undefined
  readonly importance?: Importance | undefined
  readonly operationId?: string | undefined
  readonly threadId?: string | undefined
  readonly message?: MessageContent | undefined
}

const FORMATS = (html: boolean) => (html ? ['Plain', 'Html'] : ['Plain'])

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
    const to = parseSipUri(input.to)
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
    const message = input.message && this.#clean(input.message)
    const now = this.#clock.now()
    const target = await this.#store.users.findBySipUri(to)
    const recipients = target?.enabled ? await this.#receivingEndpoints(target, now) : []
    const failure: FailureReason | undefined = !target?.enabled
      ? 'DestinationNotFound'
      : recipients.length === 0
        ? 'TemporarilyUnavailable'
        : undefined
    const conversation: Conversation = {
      id: this.#random.token(9),
      threadId: input.threadId ?? this.#random.token(16),
      subject: input.subject ?? '',
      importance: input.importance ?? 'Normal',
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
      conversationId: conversation.id,
      fromUserId: session.user.id,
      fromAppId: app.id,
      toUri: to,
      toUserId: target?.id ?? null,
      operationId: input.operationId ?? null,
      message: message ?? null,
      state: failure ? 'Failed' : 'Connecting',
      reason: failure ?? null,
      answeredAppId: null,
      createdAt: now,
      expiresAt: now + this.#settings.answerTimeoutSeconds * 1000,
    }
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      await tx.messaging.createConversation(conversation)
      await tx.messaging.upsertMember(from)
      await tx.messaging.createInvitation(invitation)
      const local = participantData(from, true)
      const connecting: InvitationData = this.#invitationData(invitation, conversation, 'Outgoing', from)
      outbox.add(
        app.id,
        invitationEvent(connecting, 'started'),
        conversationEvent(conversationData(conversation, 'Connecting', local, 1), 'added'),
        participantEvent(conversation.id, local, 'added', true),
        messagingEvent(this.#messagingData(conversation.id, 'Connecting', app)),
      )
      if (failure) {
        // Nobody to ring: the invitation fails at once and the conversation goes away.
        outbox.add(
          app.id,
          invitationEvent({ ...connecting, state: 'Failed', actionable: false }, 'completed', failure),
          conversationEvent(conversationData(conversation, 'Disconnected', local, 1), 'deleted'),
        )
        await this.#observer.invitationFailed(tx, outbox, invitation, conversation, failure)
        await this.#observer.conversationEnded(tx, outbox, conversation)
        return
      }
      await tx.messaging.upsertView(this.#view(conversation.id, app.id, session.user, 'Connecting'))
      if (!target) return
      await tx.messaging.upsertMember({
        conversationId: conversation.id,
        userId: target.id,
        uri: target.sipUri,
        name: target.displayName,
        state: 'invited',
        joinedAt: now,
      })
      const incoming = this.#invitationData(invitation, conversation, 'Incoming', from)
      for (const endpoint of recipients) {
        await tx.messaging.upsertView(this.#view(conversation.id, endpoint.id, target, 'Incoming'))
        const theirs = participantData({ uri: target.sipUri, name: target.displayName }, true)
        outbox.add(
          endpoint.id,
          invitationEvent(incoming, 'started'),
          conversationEvent(conversationData(conversation, 'Incoming', theirs, 2), 'added'),
          participantEvent(conversation.id, theirs, 'added', true),
          participantEvent(conversation.id, participantData(from, false), 'added', false),
        )
      }
    })
    return invitation.id
  }

  /** accept: this endpoint takes the conversation; the invitation ends on the user's others. */
  async accept(session: Session, app: Application, invitationId: string): Promise<void> {
    const now = this.#clock.now()
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const { invitation, conversation } = await this.#incoming(tx, session, app, invitationId)
      const members = await tx.messaging.members(conversation.id)
      const from = members.find((m) => m.userId === invitation.fromUserId)
      const me = members.find((m) => m.userId === session.user.id)
      if (!from || !me) throw new UcwaError('ResourceNotFound')
      await tx.messaging.updateInvitation(invitation.id, { state: 'Connected', answeredAppId: app.id })
      await tx.messaging.upsertMember({ ...me, state: 'connected' })
      const answered: Invitation = { ...invitation, state: 'Connected', answeredAppId: app.id }
      const mine = participantData(me, true)
      const theirs = participantData(from, false)
      for (const view of await tx.messaging.views(conversation.id)) {
        if (view.userId === session.user.id && view.appId !== app.id) {
          // Answered on another endpoint of the same user.
          await tx.messaging.removeView(conversation.id, view.appId)
          const data = {
            ...this.#invitationData(answered, conversation, 'Incoming', from),
            actionable: false,
          }
          outbox.add(
            view.appId,
            invitationEvent(data, 'updated'),
            invitationEvent({ ...data, state: 'Failed' }, 'completed', 'AnsweredElsewhere'),
            conversationEvent(conversationData(conversation, 'Disconnected', undefined, 2), 'deleted'),
          )
        }
      }
      await tx.messaging.upsertView(
        this.#view(conversation.id, app.id, session.user, 'Connected', 'Connected'),
      )
      const senderView = await tx.messaging.view(conversation.id, invitation.fromAppId)
      if (senderView)
        await tx.messaging.upsertView({ ...senderView, state: 'Connected', messaging: 'Connected' })
      const senderApp = await tx.applications.find(invitation.fromAppId)
      outbox.add(
        app.id,
        messagingEvent(this.#messagingData(conversation.id, 'Connected', app)),
        conversationEvent(conversationData(conversation, 'Connected', mine, 2), 'updated'),
        participantMessagingEvent(conversation.id, mine, 'added'),
        participantMessagingEvent(conversation.id, theirs, 'added'),
        invitationEvent(
          { ...this.#invitationData(answered, conversation, 'Incoming', from), actionable: false },
          'completed',
        ),
      )
      if (senderApp) {
        const senderLocal = participantData(from, true)
        const accepted = participantData(me, false)
        outbox.add(
          invitation.fromAppId,
          conversationEvent(conversationData(conversation, 'Connected', senderLocal, 2), 'updated'),
          participantEvent(conversation.id, accepted, 'added', false),
          participantMessagingEvent(conversation.id, accepted, 'added'),
          participantMessagingEvent(conversation.id, senderLocal, 'added'),
          messagingEvent(this.#messagingData(conversation.id, 'Connected', senderApp)),
          invitationEvent(
            {
              ...this.#invitationData(answered, conversation, 'Outgoing', from),
              actionable: false,
              acceptedBy: accepted,
            },
            'completed',
          ),
        )
      }
      void now
    })
  }

  /** decline: the invitation fails with Declined everywhere. */
  async decline(session: Session, app: Application, invitationId: string): Promise<void> {
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const { invitation, conversation } = await this.#incoming(tx, session, app, invitationId)
      await this.#fail(tx, outbox, invitation, conversation, 'Declined')
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
        const conversation = await tx.messaging.conversation(invitation.conversationId)
        if (current?.state !== 'Connecting' || !conversation) return
        await this.#fail(tx, outbox, current, conversation, 'NoAnswer')
      })
    }
    await this.#expireTyping(now)
    return expired.length
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
    this.#rateLimit(session.user)
    const now = this.#clock.now()
    const outbox = new Outbox()
    return commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const { conversation, view } = await this.#connected(tx, session, app, conversationId)
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
      const typingKey = `${conversation.id}\n${session.user.id}`
      const wasTyping = this.#typing.delete(typingKey)
      for (const other of await tx.messaging.views(conversation.id)) {
        if (other.state !== 'Connected') continue
        const own = other.appId === view.appId
        const data: MessageData = {
          conversationId: conversation.id,
          seq: message.seq,
          direction: own ? 'Outgoing' : 'Incoming',
          timeStamp: now,
          operationId: own ? operationId : null,
          sender: own ? { ...sender, local: true } : sender,
          contentType: message.contentType,
          body: message.body,
        }
        if (!own && wasTyping) outbox.add(other.appId, typingEvent(conversation.id, sender, 'deleted'))
        outbox.add(other.appId, messageEvent(data))
      }
      await this.#observer.messageSent(tx, outbox, message, conversation)
      return message
    })
  }

  /** setIsTyping: the others see the caller typing for a few seconds. */
  async typing(session: Session, app: Application, conversationId: string): Promise<void> {
    const now = this.#clock.now()
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const { conversation, view } = await this.#connected(tx, session, app, conversationId)
      const key = `${conversation.id}\n${session.user.id}`
      const already = (this.#typing.get(key) ?? 0) > now
      this.#typing.set(key, now + this.#settings.typingSeconds * 1000)
      if (already) return
      const me = participantData({ uri: session.user.sipUri, name: session.user.displayName }, false)
      for (const other of await tx.messaging.views(conversation.id)) {
        if (other.state === 'Connected' && other.appId !== view.appId) {
          outbox.add(other.appId, typingEvent(conversation.id, me, 'added'))
        }
      }
    })
  }

  /** stopMessaging / DELETE conversation / cancel: the caller's endpoint leaves. */
  async leave(session: Session, app: Application, conversationId: string): Promise<void> {
    const now = this.#clock.now()
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const view = await tx.messaging.view(conversationId, app.id)
      const conversation = await tx.messaging.conversation(conversationId)
      if (!view || !conversation) throw new UcwaError('ResourceNotFound')
      const pending = await tx.messaging.pendingInvitation(conversation.id)
      if (pending) {
        const reason: FailureReason = pending.fromAppId === app.id ? 'Canceled' : 'Declined'
        await this.#fail(tx, outbox, pending, conversation, reason)
        return
      }
      const members = await tx.messaging.members(conversation.id)
      const me = members.find((m) => m.userId === session.user.id)
      if (me) await tx.messaging.upsertMember({ ...me, state: 'left' })
      await tx.messaging.removeView(conversation.id, app.id)
      outbox.add(
        app.id,
        messagingEvent(this.#messagingData(conversation.id, 'Disconnected', app)),
        conversationEvent(conversationData(conversation, 'Disconnected', undefined, 0), 'deleted'),
      )
      const remaining = (await tx.messaging.views(conversation.id)).filter((v) => v.state === 'Connected')
      const leaver = participantData(
        me ?? { uri: session.user.sipUri, name: session.user.displayName },
        false,
      )
      const alone = new Set(remaining.map((v) => v.userId)).size <= 1
      for (const other of remaining) {
        const otherApp = await tx.applications.find(other.appId)
        outbox.add(
          other.appId,
          participantMessagingEvent(conversation.id, leaver, 'deleted'),
          participantEvent(conversation.id, leaver, 'deleted', false),
        )
        if (alone && otherApp) {
          await tx.messaging.removeView(conversation.id, other.appId)
          outbox.add(
            other.appId,
            messagingEvent(this.#messagingData(conversation.id, 'Disconnected', otherApp), 'Ended'),
            conversationEvent(conversationData(conversation, 'Disconnected', undefined, 1), 'deleted'),
          )
        }
      }
      if (alone) {
        await tx.messaging.endConversation(conversation.id, now)
        await this.#observer.conversationEnded(tx, outbox, conversation)
      }
    })
  }

  // ---- reads (for the resources) --------------------------------------------------------------

  /** The caller's view of a conversation, or 404. */
  async conversation(
    session: Session,
    app: Application,
    conversationId: string,
  ): Promise<{ conversation: Conversation; view: View; members: Member[] }> {
    const view = await this.#store.messaging.view(conversationId, app.id)
    const conversation = view && (await this.#store.messaging.conversation(conversationId))
    if (!view || !conversation || view.userId !== session.user.id) throw new UcwaError('ResourceNotFound')
    return { conversation, view, members: await this.#store.messaging.members(conversationId) }
  }

  /** The application's live conversations (`conversations?filter=active`). */
  async conversations(
    session: Session,
    app: Application,
  ): Promise<{ conversation: Conversation; view: View; members: Member[] }[]> {
    const out = []
    for (const view of await this.#store.messaging.viewsOfApp(app.id)) {
      if (view.userId !== session.user.id) continue
      const conversation = await this.#store.messaging.conversation(view.conversationId)
      if (conversation)
        out.push({ conversation, view, members: await this.#store.messaging.members(conversation.id) })
    }
    return out
  }

  /** An invitation as the caller's application sees it, or 404. */
  async invitation(session: Session, app: Application, invitationId: string): Promise<InvitationData> {
    const invitation = await this.#store.messaging.invitation(invitationId)
    const conversation = invitation && (await this.#store.messaging.conversation(invitation.conversationId))
    if (!invitation || !conversation) throw new UcwaError('ResourceNotFound')
    const members = await this.#store.messaging.members(conversation.id)
    const from = members.find((m) => m.userId === invitation.fromUserId)
    if (!from) throw new UcwaError('ResourceNotFound')
    if (invitation.fromAppId === app.id)
      return this.#invitationData(invitation, conversation, 'Outgoing', from)
    const view = await this.#store.messaging.view(conversation.id, app.id)
    const mine = invitation.toUserId === session.user.id && (view || invitation.answeredAppId === app.id)
    if (!mine) throw new UcwaError('ResourceNotFound')
    return this.#invitationData(invitation, conversation, 'Incoming', from)
  }

  /** One message of a conversation the caller's application takes part in. */
  async message(
    session: Session,
    app: Application,
    conversationId: string,
    seq: number,
  ): Promise<MessageData> {
    await this.conversation(session, app, conversationId)
    const message = await this.#store.messaging.message(conversationId, seq)
    if (!message) throw new UcwaError('ResourceNotFound')
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

  /** Who is typing in a conversation now (other than the caller). */
  typingIn(session: Session, conversationId: string, members: readonly Member[]): ParticipantData[] {
    const now = this.#clock.now()
    return members
      .filter(
        (m) =>
          m.userId !== session.user.id && (this.#typing.get(`${conversationId}\n${m.userId}`) ?? 0) > now,
      )
      .map((m) => participantData(m, false))
  }

  messagingData(conversationId: string, state: View['messaging'], app: Application): MessagingData {
    return this.#messagingData(conversationId, state, app)
  }

  // ---- internals ------------------------------------------------------------------------------

  async #fail(
    tx: Tx,
    outbox: Outbox,
    invitation: Invitation,
    conversation: Conversation,
    reason: FailureReason,
  ) {
    const now = this.#clock.now()
    await tx.messaging.updateInvitation(invitation.id, { state: 'Failed', reason })
    await tx.messaging.endConversation(conversation.id, now)
    const members = await tx.messaging.members(conversation.id)
    const from = members.find((m) => m.userId === invitation.fromUserId)
    if (!from) return
    const failed: Invitation = { ...invitation, state: 'Failed', reason }
    for (const view of await tx.messaging.views(conversation.id)) {
      await tx.messaging.removeView(conversation.id, view.appId)
      const outgoing = view.appId === invitation.fromAppId
      const data = {
        ...this.#invitationData(failed, conversation, outgoing ? 'Outgoing' : 'Incoming', from),
        actionable: false,
      }
      const app = await tx.applications.find(view.appId)
      outbox.add(view.appId, invitationEvent(data, 'completed', reason))
      if (app)
        outbox.add(view.appId, messagingEvent(this.#messagingData(conversation.id, 'Disconnected', app)))
      outbox.add(
        view.appId,
        conversationEvent(conversationData(conversation, 'Disconnected', undefined, 0), 'deleted'),
      )
    }
    await this.#observer.invitationFailed(tx, outbox, failed, conversation, reason)
    await this.#observer.conversationEnded(tx, outbox, conversation)
  }

  async #incoming(tx: Tx, session: Session, app: Application, invitationId: string) {
    const invitation = await tx.messaging.invitation(invitationId)
    const view = invitation && (await tx.messaging.view(invitation.conversationId, app.id))
    if (!invitation || !view || invitation.toUserId !== session.user.id)
      throw new UcwaError('ResourceNotFound')
    if (invitation.state !== 'Connecting') {
      throw new UcwaError('Conflict', { message: 'The invitation was already answered or has ended.' })
    }
    const conversation = await tx.messaging.conversation(invitation.conversationId)
    if (!conversation) throw new UcwaError('ResourceNotFound')
    return { invitation, conversation }
  }

  async #connected(tx: Tx, session: Session, app: Application, conversationId: string) {
    const view = await tx.messaging.view(conversationId, app.id)
    const conversation = view && (await tx.messaging.conversation(conversationId))
    if (!view || !conversation || view.userId !== session.user.id) throw new UcwaError('ResourceNotFound')
    if (view.state !== 'Connected' || view.messaging !== 'Connected') {
      throw new UcwaError('Conflict', { message: 'Messaging is not connected in this conversation yet.' })
    }
    return { conversation, view }
  }

  /** The user's endpoints that can take an IM now: available, live, with Messaging. */
  async #receivingEndpoints(user: User, now: number): Promise<Application[]> {
    const endpoints = await this.#store.applications.listAvailable(user.id)
    return endpoints.filter(
      (e) => e.expiresAt > now && e.communication.supportedModalities.includes('Messaging'),
    )
  }

  #view(
    conversationId: string,
    appId: ApplicationId,
    user: User,
    state: View['state'],
    messaging: View['messaging'] = 'Connecting',
  ): View {
    return { conversationId, appId, userId: user.id, state, messaging, createdAt: this.#clock.now() }
  }

  #invitationData(
    invitation: Invitation,
    conversation: Conversation,
    direction: 'Incoming' | 'Outgoing',
    from: Member,
  ): InvitationData {
    return {
      id: invitation.id,
      conversationId: conversation.id,
      direction,
      state: invitation.state,
      importance: conversation.importance,
      subject: conversation.subject,
      threadId: conversation.threadId,
      operationId: direction === 'Outgoing' ? invitation.operationId : null,
      from: participantData(from, direction === 'Outgoing'),
      toUri: invitation.toUri,
      message: invitation.message,
      actionable: invitation.state === 'Connecting',
      acceptedBy: undefined,
    }
  }

  #messagingData(conversationId: string, state: View['messaging'], app: Application): MessagingData {
    return {
      conversationId,
      state,
      formats: FORMATS(app.communication.supportedMessageFormats.includes('Html')),
    }
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

  #rateLimit(user: User): void {
    const now = this.#clock.now()
    const windowMs = this.#settings.rateWindowSeconds * 1000
    const recent = (this.#sent.get(user.id) ?? []).filter((t) => now - t < windowMs)
    if (recent.length >= this.#settings.maxMessagesPerWindow) {
      const retry = Math.max(1, Math.ceil(((recent[0] ?? now) + windowMs - now) / 1000))
      throw new UcwaError('TooManyRequests', {
        message: `At most ${this.#settings.maxMessagesPerWindow} messages per ${this.#settings.rateWindowSeconds} s; try again in ${retry} s.`,
        retryAfterSeconds: retry,
      })
    }
    recent.push(now)
    this.#sent.set(user.id, recent)
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
