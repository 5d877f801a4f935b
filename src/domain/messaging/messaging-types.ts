// Instant messages in domain terms. The conversation they are said in, its members and
// invitations are the conversation core's (conversations/conversation-types.ts). See
// docs/messaging.md.
import type { MessageContent } from '../conversations/conversation-types.ts'
import type { ApplicationId, UserId } from '../ids.ts'

export type { ContentType, MessageContent } from '../conversations/conversation-types.ts'

export interface Message extends MessageContent {
  /** Increasing per server; the message href ends with it. */
  readonly seq: number
  readonly conversationId: string
  readonly senderUserId: UserId
  readonly senderAppId: ApplicationId
  readonly operationId: string | null
  readonly createdAt: number
}
