// Hook point of the messaging modality for what is built on top of it (conversation history):
// called inside the message's transaction, with its outbox, so whatever it writes and emits
// commits with the message or not at all. The conversation's own hooks (an invitation failed, the
// conversation ended) are conversations/conversation-observer.ts.
import type { Tx } from '../conversations/conversation-observer.ts'
import type { Conversation, Member } from '../conversations/conversation-types.ts'
import type { Outbox } from '../events/outbox.ts'
import type { Message } from './messaging-types.ts'

export interface MessagingObserver {
  /** A message was stored (delivery events are already queued); `members` as the sender saw them. */
  messageSent(
    tx: Tx,
    outbox: Outbox,
    message: Message,
    conversation: Conversation,
    members: readonly Member[],
  ): Promise<void>
}

export const NO_MESSAGING_OBSERVER: MessagingObserver = {
  messageSent: async () => undefined,
}
