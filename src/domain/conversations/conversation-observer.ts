// Hook points of the conversation core for what is built on top of conversations (missed
// conversations, conversation history): called inside the change's transaction, with its outbox,
// so whatever they write and emit commits with the change or not at all. The same pattern as
// src/domain/hooks.ts, whose hooks connect areas; this one has one subscriber (history).
import type { Outbox } from '../events/outbox.ts'
import type { Store } from '../ports.ts'
import type { Conversation, FailureReason, Invitation } from './conversation-types.ts'

/** The store inside a transaction. */
export type Tx = Omit<Store, 'transaction' | 'close'>

export interface ConversationObserver {
  /** An invitation ended without being accepted (declined, no answer, nobody reachable, canceled). */
  invitationFailed(
    tx: Tx,
    outbox: Outbox,
    invitation: Invitation,
    conversation: Conversation,
    reason: FailureReason,
  ): Promise<void>
  /** The conversation ended (its last participant left or it never connected). */
  conversationEnded(tx: Tx, outbox: Outbox, conversation: Conversation): Promise<void>
}

export const NO_CONVERSATION_OBSERVER: ConversationObserver = {
  invitationFailed: async () => undefined,
  conversationEnded: async () => undefined,
}
