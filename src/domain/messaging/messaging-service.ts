// Instant messaging, the IM modality of a conversation: sendMessage (and replies to a message's
// href), typing, reading messages and the messaging resource. The conversation it happens in —
// invitations, joining, leaving — is the conversation core's (conversations/), which this
// modality joins through `modality` (messaging-modality.ts). Every message is one transaction
// with its events. See docs/messaging.md.
import type { Application } from '../applications/application-types.ts'
import type { Session } from '../auth/auth-service.ts'
import { type ParticipantData, participantData } from '../conversations/conversation-events.ts'
import type { Tx } from '../conversations/conversation-observer.ts'
import { type ConversationSettings, DEFAULT_CONVERSATIONS } from '../conversations/conversation-service.ts'
import type { Scene, View } from '../conversations/conversation-types.ts'
import type { ConversationModality } from '../conversations/modality.ts'
import { loadViewed } from '../conversations/scene.ts'
import { UcwaError } from '../errors.ts'
import { commitWithEvents, type EventChannel } from '../events/event-channel.ts'
import { Outbox } from '../events/outbox.ts'
import type { Clock, HtmlSanitizer, Store } from '../ports.ts'
import type { User } from '../users/user-types.ts'
import { MessageText } from './message-text.ts'
import {
  type MessageData,
  type MessagingData,
  messageEvent,
  messagingDataOf,
  typingEvent,
} from './messaging-events.ts'
import { MessagingModality } from './messaging-modality.ts'
import { type MessagingObserver, NO_MESSAGING_OBSERVER } from './messaging-observer.ts'
import type { Message, MessageContent } from './messaging-types.ts'
import { TypingIndicators } from './typing.ts'

/** The `messaging` settings: the conversation core's (it began as messaging's) and IM's own. */
export interface MessagingSettings extends ConversationSettings {
  /** Largest message body, in bytes of UTF-8. */
  readonly maxMessageBytes: number
  /** Messages one user may send per `rateWindowSeconds`. */
  readonly maxMessagesPerWindow: number
  readonly rateWindowSeconds: number
  /** A typing indication lasts this long unless renewed. */
  readonly typingSeconds: number
}

export const DEFAULT_MESSAGING: MessagingSettings = {
  ...DEFAULT_CONVERSATIONS,
  maxMessageBytes: 64 * 1024,
  maxMessagesPerWindow: 100,
  rateWindowSeconds: 10,
  typingSeconds: 5,
}

export class MessagingService {
  readonly #store: Store
  readonly #channel: EventChannel
  readonly #clock: Clock
  readonly #settings: MessagingSettings
  readonly #observer: MessagingObserver
  readonly #text: MessageText
  readonly #typing = new TypingIndicators()
  /** Per user: send times within the rate window. */
  readonly #sent = new Map<string, number[]>()
  /** Messaging's part in the conversation core (ConversationService's `modalities.messaging`). */
  readonly modality: ConversationModality

  constructor(deps: {
    store: Store
    channel: EventChannel
    clock: Clock
    sanitizer: HtmlSanitizer
    settings?: MessagingSettings
    observer?: MessagingObserver
  }) {
    this.#store = deps.store
    this.#channel = deps.channel
    this.#clock = deps.clock
    this.#settings = deps.settings ?? DEFAULT_MESSAGING
    this.#observer = deps.observer ?? NO_MESSAGING_OBSERVER
    this.#text = new MessageText(deps.sanitizer, this.#settings.maxMessageBytes)
    this.modality = new MessagingModality({
      clock: deps.clock,
      text: this.#text,
      typing: this.#typing,
      expire: (now) => this.#expireTyping(now),
    })
  }

  /** sendMessage: stored before the response, delivered to every connected endpoint in order. */
  async send(
    session: Session,
    app: Application,
    conversationId: string,
    content: MessageContent,
    operationId: string | null,
  ): Promise<Message> {
    const clean = this.#text.clean(content)
    this.#checkRate(session.user)
    const now = this.#clock.now()
    const outbox = new Outbox()
    const sent = await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const { scene, view } = await this.#connected(tx, session, app, conversationId)
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
      const wasTyping = this.#typing.stop(conversation.id, session.user.id)
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
          ...(await this.#text.asTheyRead(message, () => tx.applications.find(other.appId))),
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

  /** setIsTyping: the others see the caller typing for a few seconds. */
  async typing(session: Session, app: Application, conversationId: string): Promise<void> {
    const now = this.#clock.now()
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const { scene, view } = await this.#connected(tx, session, app, conversationId)
      const until = now + this.#settings.typingSeconds * 1000
      if (this.#typing.mark(scene.conversation.id, session.user.id, until, now)) return
      const me = participantData({ uri: session.user.sipUri, name: session.user.displayName }, false)
      for (const other of scene.views) {
        if (other.state === 'Connected' && other.appId !== view.appId) {
          outbox.add(other.appId, typingEvent(scene.conversation.id, me, 'added'))
        }
      }
    })
  }

  // ---- reads (for the resources) --------------------------------------------------------------

  /** The caller's messaging resource in a conversation, or 404. */
  async messaging(session: Session, app: Application, conversationId: string): Promise<MessagingData> {
    const { view } = await loadViewed(this.#store, session, app, conversationId, false)
    return messagingDataOf(view.conversationId, view.messaging, app)
  }

  /** One message of a conversation, to an application connected in it when it was sent. */
  async message(
    session: Session,
    app: Application,
    conversationId: string,
    seq: number,
  ): Promise<MessageData> {
    const message = await this.#readable(session, app, conversationId, seq)
    const members = await this.#store.conversations.members(conversationId)
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

  /** Who is typing in a conversation now (other than the caller), as the caller's endpoint sees it. */
  async typingIn(session: Session, app: Application, conversationId: string): Promise<ParticipantData[]> {
    const { scene, view } = await loadViewed(this.#store, session, app, conversationId, false)
    if (view.state !== 'Connected') return []
    const now = this.#clock.now()
    return scene.members
      .filter(
        (m) =>
          m.state === 'connected' &&
          m.userId !== session.user.id &&
          this.#typing.isTyping(conversationId, m.userId, now),
      )
      .map((m) => participantData(m, false, true))
  }

  // ---- internals ------------------------------------------------------------------------------

  /** A message the caller's application may read (sent while it was connected), or 404. */
  async #readable(session: Session, app: Application, conversationId: string, seq: number): Promise<Message> {
    const view = await this.#store.conversations.view(conversationId, app.id)
    const reads = view?.state === 'Connected' || view?.state === 'Disconnected'
    if (!view || view.userId !== session.user.id || !reads || seq <= view.sinceSeq)
      throw new UcwaError('ResourceNotFound')
    const message = await this.#store.messaging.message(conversationId, seq)
    if (!message) throw new UcwaError('ResourceNotFound')
    return message
  }

  /** The conversation (invitations left out: sending never looks at them) with messaging connected here. */
  async #connected(
    tx: Tx,
    session: Session,
    app: Application,
    conversationId: string,
  ): Promise<{ scene: Scene; view: View }> {
    const { scene, view } = await loadViewed(tx, session, app, conversationId, false)
    if (view.state === 'Disconnected') throw new UcwaError('ResourceNotFound')
    if (view.state !== 'Connected' || view.messaging !== 'Connected') {
      throw new UcwaError('Conflict', { message: 'Messaging is not connected in this conversation yet.' })
    }
    return { scene, view }
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

  /** Typing indications that lapsed: the others see them end (the invitations' tick runs this). */
  async #expireTyping(now: number): Promise<void> {
    for (const [conversationId, userId] of this.#typing.lapsed(now)) {
      const members = await this.#store.conversations.members(conversationId)
      const typist = members.find((m) => m.userId === userId)
      if (!typist) continue
      const outbox = new Outbox()
      await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
        for (const view of await tx.conversations.views(conversationId)) {
          if (view.state === 'Connected' && view.userId !== userId) {
            outbox.add(view.appId, typingEvent(conversationId, participantData(typist, false), 'deleted'))
          }
        }
      })
    }
  }
}
