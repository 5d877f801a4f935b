// The port of missed conversations and conversation history (src/store/kysely/
// conversation-log-repository.ts). See docs/messaging.md, "Missed conversations" and "History".
import type { UserId } from '../ids.ts'
import type { ConversationLog, LogEntry, LogParty, MissedCounts, OpeningInvitation } from './history-types.ts'

/**
 * Conversation history and missed conversations (docs/messaging.md): one log per user and
 * conversation, each with its own transcript, always scoped by the owning user on reads so
 * another user's log answers like a missing one.
 */
export interface ConversationLogStore {
  insert(log: ConversationLog): Promise<void>
  /** The user's log, or undefined (also when it is another user's). */
  find(userId: UserId, id: string): Promise<ConversationLog | undefined>
  /** Every log of a conversation (one per user who keeps it). */
  ofConversation(conversationId: string): Promise<readonly ConversationLog[]>
  /** The user's logs, newest first, at most `limit`. */
  list(userId: UserId, limit: number): Promise<ConversationLog[]>
  counts(userId: UserId): Promise<MissedCounts>
  /** Clears the unread flag; false when it was not set (or there is no such log). */
  markRead(userId: UserId, id: string): Promise<boolean>
  /** Records the latest activity of these logs. */
  touch(ids: readonly string[], at: number): Promise<void>
  /** Replaces a log's list of the other people in the conversation. */
  setRecipients(id: string, recipients: readonly LogParty[]): Promise<void>
  /** Sets the end time of the conversation's logs that have none. */
  endConversation(conversationId: string, at: number): Promise<void>
  /** Deletes the user's log and its transcript; returns what was deleted. */
  remove(userId: UserId, id: string): Promise<ConversationLog | undefined>
  /** Deletes (at most `limit`) logs whose last activity is before `before`; returns them. */
  removeOlderThan(before: number, limit: number): Promise<ConversationLog[]>
  /** Adds transcript entries (an invitation's first message); an existing (log, key) stays. */
  addEntries(entries: readonly LogEntry[]): Promise<void>
  /** Puts a stored message (by seq) in these logs' transcripts; one already there stays. */
  addMessage(logIds: readonly string[], seq: number): Promise<void>
  /** A log's transcript in order (oldest first), from `offset`, at most `limit`. */
  entries(logId: string, offset: number, limit: number): Promise<LogEntry[]>
  entry(logId: string, key: string): Promise<LogEntry | undefined>
  /** The invitation that started the conversation (the oldest), read from the messaging tables. */
  openingInvitation(conversationId: string): Promise<OpeningInvitation | undefined>
}
