// The messaging modality's port: the messages of conversations (src/store/kysely/
// messaging-repository.ts). Conversations, members, views and invitations are the conversation
// core's (conversations/conversation-store.ts). See docs/messaging.md and docs/store.md.
import type { Message } from './messaging-types.ts'

export interface MessagingStore {
  addMessage(message: Omit<Message, 'seq'>): Promise<Message>
  message(conversationId: string, seq: number): Promise<Message | undefined>
  /** The highest message seq stored so far (0 when none): a view connected now reads above it. */
  lastMessageSeq(): Promise<number>
}
