// Missed conversations and conversation history (UCWA's missedItems and conversationLogs),
// built on conversations and messaging through their observer hooks: everything is written in the
// change's own transaction, so a message is logged exactly when it is stored, and a missed
// conversation exists exactly when the invitation failed. See docs/messaging.md.
import type { Session } from '../auth/auth-service.ts'
import type { ConversationObserver, Tx } from '../conversations/conversation-observer.ts'
import type {
  Conversation,
  FailureReason,
  Invitation,
  Member,
  MessageContent,
} from '../conversations/conversation-types.ts'
import { UcwaError } from '../errors.ts'
import type { ChannelEvent } from '../events/channel-event.ts'
import { commitWithEvents, type EventChannel } from '../events/event-channel.ts'
import { Outbox } from '../events/outbox.ts'
import type { UserId } from '../ids.ts'
import type { MessagingObserver } from '../messaging/messaging-observer.ts'
import type { Message } from '../messaging/messaging-types.ts'
import { defaultClientPolicies } from '../policies/client-policies.ts'
import type { Clock, Random, Store } from '../ports.ts'
import type { User } from '../users/user-types.ts'
import type { ConversationLog, LogEntry, LogParty, MissedCounts, OpeningInvitation } from './history-types.ts'

export interface HistorySettings {
  /** Logs whose last activity is older than this are purged. */
  readonly retentionDays: number
}

export const DEFAULT_HISTORY: HistorySettings = { retentionDays: 30 }

/**
 * Whether a user's conversations may be kept as history (the mobility policy's
 * AllowSaveIMHistory, UCWA `policies.saveMessagingHistory`). Missed conversations are kept
 * regardless: they are how a message to an unreachable user is not lost.
 */
export type SaveHistoryPolicy = (user: User) => boolean

/** Today's source: the policy defaults of src/domain/policies (Enabled for everyone). */
export const saveHistoryFromClientPolicies: SaveHistoryPolicy = (user) =>
  defaultClientPolicies(user).saveMessagingHistory === 'Enabled'

/** Invitation failures that leave the recipient a missed conversation. */
const MISSED: ReadonlySet<FailureReason> = new Set(['TemporarilyUnavailable', 'NoAnswer'])

/** Longest previewMessage, in characters. */
const PREVIEW_LENGTH = 200
/** Logs the purge deletes per transaction. */
const PURGE_BATCH = 500
/** How stale a log's last_at may get before a message updates it (it only drives retention). */
const LAST_AT_GRANULARITY_MS = 60_000

/** `missedItems` updated (ucwa missedItems_ref: High, sender communication), link only. */
export const missedItemsEvent = (): ChannelEvent => ({
  sender: { rel: 'communication' },
  link: { rel: 'missedItems' },
  type: 'updated',
  priority: 'high',
})

/** A transcript page and whether more follow. */
export interface TranscriptPage {
  readonly log: ConversationLog
  readonly entries: readonly LogEntry[]
  readonly start: number
  /** Where the next page starts, when there is one. */
  readonly next: number | undefined
}

/** Where continueMessaging sends its new invitation. */
export interface Continuation {
  readonly to: string
  readonly threadId: string
  readonly subject: string
  readonly importance: ConversationLog['importance']
}

export class ConversationLogService implements ConversationObserver, MessagingObserver {
  readonly #store: Store
  readonly #channel: EventChannel
  readonly #clock: Clock
  readonly #random: Random
  readonly #settings: HistorySettings
  readonly #saveHistory: SaveHistoryPolicy

  constructor(deps: {
    store: Store
    channel: EventChannel
    clock: Clock
    random: Random
    settings?: HistorySettings
    /** Defaults to the client-policy defaults; wire the real mobility policy here. */
    saveHistory?: SaveHistoryPolicy
  }) {
    this.#store = deps.store
    this.#channel = deps.channel
    this.#clock = deps.clock
    this.#random = deps.random
    this.#settings = deps.settings ?? DEFAULT_HISTORY
    this.#saveHistory = deps.saveHistory ?? saveHistoryFromClientPolicies
  }

  // ---- ConversationObserver, MessagingObserver -----------------------------------------------

  async invitationFailed(
    tx: Tx,
    outbox: Outbox,
    invitation: Invitation,
    conversation: Conversation,
    reason: FailureReason,
  ): Promise<void> {
    const members = await tx.conversations.members(conversation.id)
    const sender = await this.#party(tx, members, invitation.fromUserId)
    if (!sender) return
    const recipient = invitation.toUserId ? await tx.users.findById(invitation.toUserId) : undefined
    const message = invitation.message
    const entry = (logId: string): LogEntry | undefined =>
      message
        ? {
            logId,
            key: `i${invitation.id}`,
            ord: 0,
            senderUserId: invitation.fromUserId,
            sender,
            contentType: message.contentType,
            body: message.body,
            createdAt: invitation.createdAt,
          }
        : undefined

    // The recipient could not be reached: a missed conversation, unread, with the message.
    if (recipient && MISSED.has(reason) && !(await this.#logOf(tx, recipient.id, conversation.id))) {
      const others = members.filter((m) => m.userId !== recipient.id && m.state === 'connected').map(partyOf)
      const log = this.#newLog(recipient.id, conversation, {
        direction: 'Incoming',
        status: 'Missed',
        unread: true,
        preview: message ? previewOf(message) : '',
        recipients: others.length > 0 ? others : [sender],
        startedAt: invitation.createdAt,
      })
      await tx.conversationLogs.insert(log)
      const first = entry(log.id)
      if (first) await tx.conversationLogs.addEntries([first])
      await this.#announce(tx, outbox, [recipient.id])
    }

    // What the sender wrote is their history too (when they keep history).
    const senderUser = message && (await tx.users.findById(invitation.fromUserId))
    if (
      message &&
      senderUser &&
      this.#saveHistory(senderUser) &&
      !(await this.#logOf(tx, invitation.fromUserId, conversation.id))
    ) {
      const to: LogParty = recipient
        ? { uri: recipient.sipUri, name: recipient.displayName }
        : { uri: invitation.toUri, name: '' }
      const log = this.#newLog(invitation.fromUserId, conversation, {
        direction: 'Outgoing',
        status: 'Archived',
        unread: false,
        preview: previewOf(message),
        recipients: [to],
        startedAt: invitation.createdAt,
      })
      await tx.conversationLogs.insert(log)
      const first = entry(log.id)
      if (first) await tx.conversationLogs.addEntries([first])
    }
  }

  async messageSent(
    tx: Tx,
    _outbox: Outbox,
    message: Message,
    conversation: Conversation,
    members: readonly Member[],
  ): Promise<void> {
    const present = members.filter((m) => m.state === 'connected')
    const logs = await this.#ensureLogs(tx, conversation, members, present, message)
    const targets = logs.filter((l) => present.some((m) => m.userId === l.userId))
    if (targets.length === 0) return
    // Someone joined (a conference): the logs name everyone who took part.
    for (const log of targets) {
      const known = new Set(log.recipients.map((p) => p.uri))
      const added = othersOf(members, log.userId).filter((p) => !known.has(p.uri))
      if (added.length > 0) await tx.conversationLogs.setRecipients(log.id, [...log.recipients, ...added])
    }
    // The message is stored once; each log refers to it.
    await tx.conversationLogs.addMessage(
      targets.map((l) => l.id),
      message.seq,
    )
    // last_at only drives retention (days): a log active within the last minute is left as it is,
    // which spares a write per log and message in a busy conversation.
    const stale = targets.filter((l) => message.createdAt - l.lastAt >= LAST_AT_GRANULARITY_MS)
    if (stale.length > 0)
      await tx.conversationLogs.touch(
        stale.map((l) => l.id),
        message.createdAt,
      )
  }

  async conversationEnded(tx: Tx, _outbox: Outbox, conversation: Conversation): Promise<void> {
    // An accepted invitation's first message may be all that was said: log it now.
    const members = await tx.conversations.members(conversation.id)
    const took = members.filter((m) => m.state !== 'invited')
    if (took.length >= 2) await this.#ensureLogs(tx, conversation, members, took, undefined)
    await tx.conversationLogs.endConversation(conversation.id, this.#clock.now())
  }

  // ---- reads and actions (for the resources) --------------------------------------------------

  /** The counts behind missedItems (and, later, push-notification badges). */
  missedCounts(userId: UserId): Promise<MissedCounts> {
    return this.#store.conversationLogs.counts(userId)
  }

  /** The caller's missedItems. */
  missedItems(session: Session): Promise<MissedCounts> {
    return this.missedCounts(session.user.id)
  }

  /** The caller's logs, newest first. */
  list(session: Session, limit: number): Promise<ConversationLog[]> {
    return this.#store.conversationLogs.list(session.user.id, limit)
  }

  /** One of the caller's logs, or 404 (another user's included). */
  async log(session: Session, id: string): Promise<ConversationLog> {
    const log = await this.#store.conversationLogs.find(session.user.id, id)
    if (!log) throw new UcwaError('ResourceNotFound')
    return log
  }

  /** A page of a log's transcript, oldest first. */
  async transcript(session: Session, id: string, start: number, pageSize: number): Promise<TranscriptPage> {
    const log = await this.log(session, id)
    const entries = await this.#store.conversationLogs.entries(log.id, start, pageSize + 1)
    const more = entries.length > pageSize
    return { log, entries: entries.slice(0, pageSize), start, next: more ? start + pageSize : undefined }
  }

  /** One transcript entry of one of the caller's logs, or 404. */
  async entry(session: Session, id: string, key: string): Promise<{ log: ConversationLog; entry: LogEntry }> {
    const log = await this.log(session, id)
    const entry = await this.#store.conversationLogs.entry(log.id, key)
    if (!entry) throw new UcwaError('ResourceNotFound')
    return { log, entry }
  }

  /** markAsRead: an unread missed conversation becomes read; missedItems updated when it was. */
  async markAsRead(session: Session, id: string): Promise<void> {
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const log = await tx.conversationLogs.find(session.user.id, id)
      if (!log) throw new UcwaError('ResourceNotFound')
      if (await tx.conversationLogs.markRead(session.user.id, id)) {
        await this.#announce(tx, outbox, [session.user.id])
      }
    })
  }

  /** DELETE conversationLog: the caller's log and its transcript go (missedItems updated for a missed one). */
  async remove(session: Session, id: string): Promise<void> {
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const removed = await tx.conversationLogs.remove(session.user.id, id)
      if (!removed) throw new UcwaError('ResourceNotFound')
      if (removed.status === 'Missed') await this.#announce(tx, outbox, [session.user.id])
    })
  }

  /** Where continueMessaging invites: the other party of a two-person log, or 404. */
  async continuation(session: Session, id: string): Promise<Continuation> {
    const log = await this.log(session, id)
    const [peer] = log.recipients
    if (log.recipients.length !== 1 || !peer) throw new UcwaError('ResourceNotFound')
    return { to: peer.uri, threadId: log.threadId, subject: log.subject, importance: log.importance }
  }

  /** Deletes logs past the retention (missedItems updated for missed ones' owners). Maintenance timer. */
  async purge(): Promise<number> {
    const before = this.#clock.now() - this.#settings.retentionDays * 86_400_000
    let total = 0
    for (;;) {
      const outbox = new Outbox()
      const removed = await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
        const gone = await tx.conversationLogs.removeOlderThan(before, PURGE_BATCH)
        const missed = gone.filter((l) => l.status === 'Missed').map((l) => l.userId)
        await this.#announce(tx, outbox, missed)
        return gone.length
      })
      total += removed
      if (removed < PURGE_BATCH) return total
    }
  }

  // ---- internals ------------------------------------------------------------------------------

  /**
   * The conversation's logs, creating one for each of `who` that has none (when their policy
   * keeps history). A new log of the opening invitation's sender or recipient starts with the
   * invitation's first message.
   */
  async #ensureLogs(
    tx: Tx,
    conversation: Conversation,
    members: readonly Member[],
    who: readonly Member[],
    current: Message | undefined,
  ): Promise<readonly ConversationLog[]> {
    const found = await tx.conversationLogs.ofConversation(conversation.id)
    const missing = who.filter((m) => !found.some((l) => l.userId === m.userId))
    if (missing.length === 0) return found
    const logs = [...found]
    const opening = await tx.conversationLogs.openingInvitation(conversation.id)
    const accepted = opening?.state === 'Connected' ? opening : undefined
    // Nothing said at all (no first message, no message): nothing to keep.
    if (!current && !accepted?.message) return logs
    for (const member of missing) {
      const user = await tx.users.findById(member.userId)
      if (!user || !this.#saveHistory(user)) continue
      const seed = accepted && saw(accepted, member.userId) ? accepted : undefined
      const first = seed?.message ?? current
      if (!first) continue
      const log = this.#newLog(member.userId, conversation, {
        direction: opening?.fromUserId === member.userId ? 'Outgoing' : 'Incoming',
        status: 'Archived',
        unread: false,
        preview: previewOf(first),
        recipients: othersOf(members, member.userId),
        startedAt: conversation.createdAt,
      })
      await tx.conversationLogs.insert(log)
      if (seed?.message) {
        const from = await this.#party(tx, members, seed.fromUserId)
        await tx.conversationLogs.addEntries([
          {
            logId: log.id,
            key: `i${seed.id}`,
            ord: 0,
            senderUserId: seed.fromUserId,
            sender: from ?? { uri: '', name: '' },
            contentType: seed.message.contentType,
            body: seed.message.body,
            createdAt: seed.createdAt,
          },
        ])
      }
      logs.push(log)
    }
    return logs
  }

  #newLog(
    userId: UserId,
    conversation: Conversation,
    fields: Pick<ConversationLog, 'direction' | 'status' | 'unread' | 'preview' | 'recipients' | 'startedAt'>,
  ): ConversationLog {
    return {
      id: this.#random.token(12),
      userId,
      conversationId: conversation.id,
      threadId: conversation.threadId,
      subject: conversation.subject,
      importance: conversation.importance,
      ...fields,
      lastAt: this.#clock.now(),
      endedAt: null,
    }
  }

  async #logOf(tx: Tx, userId: UserId, conversationId: string): Promise<ConversationLog | undefined> {
    return (await tx.conversationLogs.ofConversation(conversationId)).find((l) => l.userId === userId)
  }

  /** A conversation member as a log party (from the directory when no longer a member). */
  async #party(tx: Tx, members: readonly Member[], userId: UserId): Promise<LogParty | undefined> {
    const member = members.find((m) => m.userId === userId)
    if (member) return partyOf(member)
    const user = await tx.users.findById(userId)
    return user && { uri: user.sipUri, name: user.displayName }
  }

  /**
   * `missedItems` updated to every application of each user whose missed counts changed (a
   * missed conversation added, read or deleted). A change of conversationLogsCount alone (a new
   * or deleted archived log) raises none: every conversation would otherwise wake every
   * endpoint of everyone in it (and, later, their push channels).
   */
  async #announce(tx: Tx, outbox: Outbox, users: readonly UserId[]): Promise<void> {
    for (const userId of new Set(users)) {
      for (const app of await tx.applications.listByUser(userId)) outbox.add(app.id, missedItemsEvent())
    }
  }
}

const partyOf = (m: Pick<Member, 'uri' | 'name'>): LogParty => ({ uri: m.uri, name: m.name })

/** Everyone but `userId` who took part (was connected at some point) in the conversation. */
const othersOf = (members: readonly Member[], userId: UserId): LogParty[] =>
  members.filter((m) => m.userId !== userId && m.state !== 'invited').map(partyOf)

/** Whether `userId` saw the opening invitation's message (wrote it or was asked with it). */
const saw = (opening: OpeningInvitation, userId: UserId): boolean =>
  opening.fromUserId === userId || opening.toUserId === userId

/** previewMessage: the message as plain text on one line, truncated. */
export function previewOf(content: MessageContent): string {
  const text =
    content.contentType === 'text/html'
      ? content.body
          .replace(/<br\s*\/?>/gi, ' ')
          .replace(/<[^>]*>/g, '')
          .replace(/&nbsp;/g, ' ')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&quot;/g, '"')
          .replace(/&#39;|&apos;/g, "'")
          .replace(/&amp;/g, '&')
      : content.body
  const line = text.replace(/\s+/g, ' ').trim()
  const chars = [...line]
  return chars.length > PREVIEW_LENGTH ? `${chars.slice(0, PREVIEW_LENGTH - 1).join('')}…` : line
}
