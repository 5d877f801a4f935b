// Conversation history and missed conversations in domain terms (UCWA's conversationLogs and
// missedItems). See docs/messaging.md, "Missed conversations" and "History".

import type { ContentType, Importance } from '../conversations/conversation-types.ts'
import type { UserId } from '../ids.ts'

/** Someone a log names: the other party of a conversation, or the sender of an entry. */
export interface LogParty {
  readonly uri: string
  /** Display name; empty when the address is not a directory user. */
  readonly name: string
}

/** UCWA ConversationLogStatus: Missed (never answered) or Archived (answered / sent). */
export type ConversationLogStatus = 'Missed' | 'Archived'

/** One user's record of one past conversation. */
export interface ConversationLog {
  readonly id: string
  readonly userId: UserId
  readonly conversationId: string
  readonly threadId: string
  readonly subject: string
  readonly importance: Importance
  /** Outgoing when this user started the conversation. */
  readonly direction: 'Incoming' | 'Outgoing'
  readonly status: ConversationLogStatus
  /** Only missed logs are ever unread (markAsRead clears it). */
  readonly unread: boolean
  /** The conversation's first message as plain text, truncated. */
  readonly preview: string
  /** The other people in the conversation. */
  readonly recipients: readonly LogParty[]
  readonly startedAt: number
  /** The last message (or the start); retention counts from here. */
  readonly lastAt: number
  readonly endedAt: number | null
}

/** One message of a log's transcript. */
export interface LogEntry {
  readonly logId: string
  /** Stable within the log: `i<invitation id>` for an invitation's first message, `m<seq>` for a message. */
  readonly key: string
  /** Orders entries of the same millisecond (0 for the invitation's message, else the message seq). */
  readonly ord: number
  readonly senderUserId: UserId | null
  readonly sender: LogParty
  readonly contentType: ContentType
  readonly body: string
  readonly createdAt: number
}

/** What missedItems counts, per user. Voicemail is not served (always 0). */
export interface MissedCounts {
  readonly missedConversationsCount: number
  readonly unreadMissedConversationsCount: number
  readonly conversationLogsCount: number
}

/** The invitation that opened a conversation, as history needs it. */
export interface OpeningInvitation {
  readonly id: string
  readonly fromUserId: UserId
  readonly toUserId: UserId | null
  readonly state: 'Connecting' | 'Connected' | 'Failed'
  readonly message: { readonly contentType: ContentType; readonly body: string } | null
  readonly createdAt: number
}
