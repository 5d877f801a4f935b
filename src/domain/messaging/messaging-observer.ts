// Hook points of MessagingService for what is built on top of messaging (missed conversations,
// conversation history): called inside the change's transaction, with its outbox, so whatever
// they write and emit commits with the change or not at all.
import type { Outbox } from '../events/outbox.ts'
import type { Store } from '../ports.ts'
import type { Conversation, FailureReason, Invitation, Member, Message } from './messaging-types.ts'

export type Tx = Omit<Store, 'transaction' | 'close'>

export interface MessagingObserver {
  /** An invitation ended without being accepted (declined, no answer, nobody reachable, canceled). */
  invitationFailed(
    tx: Tx,
    outbox: Outbox,
    invitation: Invitation,
    conversation: Conversation,
    reason: FailureReason,
  ): Promise<void>
  /** A message was stored (delivery events are already queued); `members` as the sender saw them. */
  messageSent(
    tx: Tx,
    outbox: Outbox,
    message: Message,
    conversation: Conversation,
    members: readonly Member[],
  ): Promise<void>
  /** The conversation ended (its last participant left or it never connected). */
  conversationEnded(tx: Tx, outbox: Outbox, conversation: Conversation): Promise<void>
}

export const NO_OBSERVER: MessagingObserver = {
  invitationFailed: async () => undefined,
  messageSent: async () => undefined,
  conversationEnded: async () => undefined,
}
