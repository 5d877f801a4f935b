// Messaging as a conversation modality (conversations/modality.ts): what the conversation core's
// steps mean in IM — `messaging` updated as the endpoint rings, connects and leaves,
// participantMessaging added and deleted, whoever is typing shown to a newcomer and no longer once
// they leave, and the invitation's first message delivered to the endpoint that accepted it.
// See docs/messaging.md.
import type { Application } from '../applications/application-types.ts'
import { participantData } from '../conversations/conversation-events.ts'
import type { Tx } from '../conversations/conversation-observer.ts'
import type { ConversationModality, CueContext, ModalityCue } from '../conversations/modality.ts'
import type { ChannelEvent } from '../events/channel-event.ts'
import type { ApplicationId, UserId } from '../ids.ts'
import type { Clock } from '../ports.ts'
import type { MessageText } from './message-text.ts'
import {
  messageEvent,
  messagingDataOf,
  messagingEvent,
  participantMessagingEvent,
  typingEvent,
} from './messaging-events.ts'
import type { MessageContent } from './messaging-types.ts'
import type { TypingIndicators } from './typing.ts'

export class MessagingModality implements ConversationModality {
  readonly name = 'messaging'
  readonly #clock: Clock
  readonly #text: MessageText
  readonly #typing: TypingIndicators
  readonly #expire: (now: number) => Promise<void>

  /** Shares the service's typing indications and message rules; `expire` ends lapsed indications. */
  constructor(deps: {
    clock: Clock
    text: MessageText
    typing: TypingIndicators
    expire: (now: number) => Promise<void>
  }) {
    this.#clock = deps.clock
    this.#text = deps.text
    this.#typing = deps.typing
    this.#expire = deps.expire
  }

  reaches(app: Application): boolean {
    return app.communication.supportedModalities.includes('Messaging')
  }

  firstMessage(content: MessageContent): MessageContent {
    return this.#text.clean(content)
  }

  mark(tx: Tx): Promise<number> {
    return tx.messaging.lastMessageSeq()
  }

  async render(context: CueContext, to: ApplicationId, cue: ModalityCue): Promise<readonly ChannelEvent[]> {
    const cid = context.conversationId
    switch (cue.type) {
      case 'state': {
        const app = await context.application(to)
        return app ? [messagingEvent(messagingDataOf(cid, cue.state, app), cue.reason)] : []
      }
      case 'joined':
        return [participantMessagingEvent(cid, cue.participant, 'added')]
      case 'left':
        // An indication was announced for it (even if it lapsed since): the others need its end.
        return [
          ...(this.#typing.announced(cid, cue.userId) ? [typingEvent(cid, cue.participant, 'deleted')] : []),
          participantMessagingEvent(cid, cue.participant, 'deleted'),
        ]
      case 'caughtUp': {
        // Whoever is typing right now shows as typing to the newcomer too.
        const now = this.#clock.now()
        return cue.others
          .filter((m) => this.#typing.isTyping(cid, m.userId, now))
          .map((m) => typingEvent(cid, participantData(m, false), 'added'))
      }
      case 'accepted':
        return this.#deliverFirst(context, to, cue)
    }
  }

  memberLeft(conversationId: string, userId: UserId): void {
    this.#typing.stop(conversationId, userId)
  }

  ended(conversationId: string): void {
    this.#typing.clear(conversationId)
  }

  expire(now: number): Promise<void> {
    return this.#expire(now)
  }

  /**
   * The invitation's first message, once accepted, becomes the conversation's first message: the
   * accepting endpoint gets it as an incoming `message` event after the invitation completed, as
   * real pools did (ReceiveAnIM.md, the last step), and can GET (or reply to) its href. The
   * history keeps it from the invitation already, so the observer is not told again.
   */
  async #deliverFirst(
    context: CueContext,
    to: ApplicationId,
    cue: Extract<ModalityCue, { type: 'accepted' }>,
  ): Promise<ChannelEvent[]> {
    const { invitation, from } = cue
    if (!invitation.message) return []
    const message = await context.tx.messaging.addMessage({
      conversationId: invitation.conversationId,
      senderUserId: invitation.fromUserId,
      senderAppId: invitation.fromAppId,
      contentType: invitation.message.contentType,
      body: invitation.message.body,
      operationId: null,
      createdAt: invitation.createdAt,
    })
    return [
      messageEvent({
        conversationId: invitation.conversationId,
        seq: message.seq,
        direction: 'Incoming',
        timeStamp: message.createdAt,
        operationId: null,
        sender: participantData(from, false),
        ...(await this.#text.asTheyRead(message, () => context.application(to))),
      }),
    ]
  }
}
