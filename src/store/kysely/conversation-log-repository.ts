// Conversation history and missed conversations (docs/messaging.md): conversation_logs (one per
// user and conversation) and their transcripts: conversation_log_messages (references to the
// stored messages) and conversation_log_entries (an invitation's first message).
import { type Kysely, type Selectable, sql } from 'kysely'
import type { ContentType, Importance } from '../../domain/conversations/conversation-types.ts'
import type { ConversationLogStore } from '../../domain/history/conversation-log-store.ts'
import type {
  ConversationLog,
  ConversationLogStatus,
  LogEntry,
  LogParty,
  MissedCounts,
  OpeningInvitation,
} from '../../domain/history/history-types.ts'
import { asUserId, type UserId } from '../../domain/ids.ts'
import type { ConversationLogEntriesTable, ConversationLogsTable, Database } from './database.ts'
import { prepare } from './prepared.ts'
import { type SceneScope, sceneRead } from './scene-cache.ts'

// The statements every message runs (prepared.ts): its conversation's logs and one transcript
// reference per log (the message itself is stored once, in messages).
const logsOf = prepare<[string], Selectable<ConversationLogsTable>>((db, conversation) =>
  db.selectFrom('conversation_logs').selectAll().where('conversation_id', '=', conversation),
)
const touchOne = prepare<[number, string, number], never>((db, at, id, before) =>
  db.updateTable('conversation_logs').set({ last_at: at }).where('id', '=', id).where('last_at', '<', before),
)
const insertEntry = prepare<
  [string, string, number, string | null, string, string, string, string, number],
  never
>((db, log, key, ord, senderUserId, senderUri, senderName, contentType, body, createdAt) =>
  db
    .insertInto('conversation_log_entries')
    .values({
      log_id: log,
      entry_key: key,
      ord,
      sender_user_id: senderUserId,
      sender_uri: senderUri,
      sender_name: senderName,
      content_type: contentType,
      body,
      created_at: createdAt,
    })
    .onConflict((oc) => oc.columns(['log_id', 'entry_key']).doNothing()),
)

const insertReference = prepare<[string, number], never>((db, log, seq) =>
  db
    .insertInto('conversation_log_messages')
    .values({ log_id: log, seq })
    .onConflict((oc) => oc.columns(['log_id', 'seq']).doNothing()),
)

export class KyselyConversationLogStore implements ConversationLogStore {
  readonly #db: Kysely<Database>
  readonly #scenes: SceneScope | undefined

  /** `scenes`: the transaction's window on the scene cache (scene-cache.ts), where there is one. */
  constructor(db: Kysely<Database>, scenes?: SceneScope) {
    this.#db = db
    this.#scenes = scenes
  }

  async insert(log: ConversationLog): Promise<void> {
    this.#scenes?.changed()
    await this.#db
      .insertInto('conversation_logs')
      .values({
        id: log.id,
        user_id: log.userId,
        conversation_id: log.conversationId,
        thread_id: log.threadId,
        subject: log.subject,
        importance: log.importance,
        direction: log.direction,
        status: log.status,
        unread: log.unread ? 1 : 0,
        preview: log.preview,
        recipients: JSON.stringify(log.recipients),
        started_at: log.startedAt,
        last_at: log.lastAt,
        ended_at: log.endedAt,
      })
      .execute()
  }

  async find(userId: UserId, id: string): Promise<ConversationLog | undefined> {
    const row = await this.#db
      .selectFrom('conversation_logs')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst()
    return row && toLog(row)
  }

  async ofConversation(conversationId: string): Promise<readonly ConversationLog[]> {
    return sceneRead(this.#scenes, conversationId, 'logs', async () =>
      (await logsOf.run(this.#db, conversationId)).rows.map(toLog),
    )
  }

  async list(userId: UserId, limit: number): Promise<ConversationLog[]> {
    const rows = await this.#db
      .selectFrom('conversation_logs')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute()
    return rows.map(toLog)
  }

  async counts(userId: UserId): Promise<MissedCounts> {
    const row = await this.#db
      .selectFrom('conversation_logs')
      .select((eb) => [
        eb.fn.countAll<number>().as('logs'),
        eb.fn.sum<number>(eb.case().when('status', '=', 'Missed').then(1).else(0).end()).as('missed'),
        eb.fn
          .sum<number>(
            eb
              .case()
              .when(eb.and([eb('status', '=', 'Missed'), eb('unread', '=', 1)]))
              .then(1)
              .else(0)
              .end(),
          )
          .as('unread'),
      ])
      .where('user_id', '=', userId)
      .executeTakeFirst()
    return {
      missedConversationsCount: Number(row?.missed ?? 0),
      unreadMissedConversationsCount: Number(row?.unread ?? 0),
      conversationLogsCount: Number(row?.logs ?? 0),
    }
  }

  async markRead(userId: UserId, id: string): Promise<boolean> {
    this.#scenes?.changed()
    const result = await this.#db
      .updateTable('conversation_logs')
      .set({ unread: 0 })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('unread', '=', 1)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async touch(ids: readonly string[], at: number): Promise<void> {
    this.#scenes?.changed()
    for (const id of ids) await touchOne.run(this.#db, at, id, at)
  }

  async setRecipients(id: string, recipients: readonly LogParty[]): Promise<void> {
    this.#scenes?.changed()
    await this.#db
      .updateTable('conversation_logs')
      .set({ recipients: JSON.stringify(recipients) })
      .where('id', '=', id)
      .execute()
  }

  async endConversation(conversationId: string, at: number): Promise<void> {
    this.#scenes?.changed()
    await this.#db
      .updateTable('conversation_logs')
      .set({ ended_at: at })
      .where('conversation_id', '=', conversationId)
      .where('ended_at', 'is', null)
      .execute()
  }

  async remove(userId: UserId, id: string): Promise<ConversationLog | undefined> {
    this.#scenes?.changed()
    const log = await this.find(userId, id)
    if (!log) return undefined
    // Its transcript (entries and references) goes with it: ON DELETE CASCADE.
    await this.#db.deleteFrom('conversation_logs').where('id', '=', id).execute()
    return log
  }

  async removeOlderThan(before: number, limit: number): Promise<ConversationLog[]> {
    this.#scenes?.changed()
    const rows = await this.#db
      .selectFrom('conversation_logs')
      .selectAll()
      .where('last_at', '<', before)
      .orderBy('last_at')
      .limit(limit)
      .execute()
    if (rows.length === 0) return []
    const ids = rows.map((r) => r.id)
    await this.#db.deleteFrom('conversation_logs').where('id', 'in', ids).execute()
    return rows.map(toLog)
  }

  async addEntries(entries: readonly LogEntry[]): Promise<void> {
    for (const e of entries) {
      await insertEntry.run(
        this.#db,
        e.logId,
        e.key,
        e.ord,
        e.senderUserId,
        e.sender.uri,
        e.sender.name,
        e.contentType,
        e.body,
        e.createdAt,
      )
    }
  }

  async addMessage(logIds: readonly string[], seq: number): Promise<void> {
    for (const id of logIds) await insertReference.run(this.#db, id, seq)
  }

  // A transcript is the log's own entries (an invitation's first message) and the messages it
  // refers to, in one order. The sender's name is the conversation member's.
  async entries(logId: string, offset: number, limit: number): Promise<LogEntry[]> {
    const rows = await this.#copies(logId)
      .unionAll(this.#references(logId))
      .orderBy('created_at')
      .orderBy('ord')
      .limit(limit)
      .offset(offset)
      .execute()
    return rows.map((r) => toEntry(logId, r))
  }

  async entry(logId: string, key: string): Promise<LogEntry | undefined> {
    const copy = await this.#copies(logId).where('entry_key', '=', key).executeTakeFirst()
    if (copy) return toEntry(logId, copy)
    const seq = /^m(\d{1,15})$/.exec(key)?.[1]
    if (seq === undefined) return undefined
    const row = await this.#references(logId).where('r.seq', '=', Number(seq)).executeTakeFirst()
    return row && toEntry(logId, row)
  }

  #copies(logId: string) {
    return this.#db
      .selectFrom('conversation_log_entries')
      .select((eb) => [
        eb.ref('entry_key').$castTo<string | null>().as('entry_key'),
        'ord',
        'sender_user_id',
        'sender_uri',
        'sender_name',
        'content_type',
        'body',
        'created_at',
      ])
      .where('log_id', '=', logId)
  }

  #references(logId: string) {
    return this.#db
      .selectFrom('conversation_log_messages as r')
      .innerJoin('messages as m', 'm.seq', 'r.seq')
      .leftJoin('conversation_members as cm', (join) =>
        join
          .onRef('cm.conversation_id', '=', 'm.conversation_id')
          .onRef('cm.user_id', '=', 'm.sender_user_id'),
      )
      .select((eb) => [
        sql<string | null>`null`.as('entry_key'),
        'm.seq as ord',
        'm.sender_user_id as sender_user_id',
        eb.fn.coalesce('cm.uri', sql<string>`''`).as('sender_uri'),
        eb.fn.coalesce('cm.name', sql<string>`''`).as('sender_name'),
        'm.content_type as content_type',
        'm.body as body',
        'm.created_at as created_at',
      ])
      .where('r.log_id', '=', logId)
  }

  async openingInvitation(conversationId: string): Promise<OpeningInvitation | undefined> {
    const row = await this.#db
      .selectFrom('invitations')
      .select(['id', 'from_user_id', 'to_user_id', 'state', 'message_type', 'message_body', 'created_at'])
      .where('conversation_id', '=', conversationId)
      .orderBy('created_at')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst()
    if (!row) return undefined
    return {
      id: row.id,
      fromUserId: asUserId(row.from_user_id),
      toUserId: row.to_user_id === null ? null : asUserId(row.to_user_id),
      state: row.state as OpeningInvitation['state'],
      message:
        row.message_type === null || row.message_body === null
          ? null
          : { contentType: row.message_type as ContentType, body: row.message_body },
      createdAt: Number(row.created_at),
    }
  }
}

function parties(json: string): LogParty[] {
  try {
    const value = JSON.parse(json) as unknown
    if (!Array.isArray(value)) return []
    return value
      .filter((p): p is { uri: string; name?: string } => typeof p?.uri === 'string')
      .map((p) => ({ uri: p.uri, name: typeof p.name === 'string' ? p.name : '' }))
  } catch {
    return []
  }
}

function toLog(r: Selectable<ConversationLogsTable>): ConversationLog {
  return {
    id: r.id,
    userId: asUserId(r.user_id),
    conversationId: r.conversation_id,
    threadId: r.thread_id,
    subject: r.subject,
    importance: r.importance as Importance,
    direction: r.direction === 'Outgoing' ? 'Outgoing' : 'Incoming',
    status: r.status as ConversationLogStatus,
    unread: Number(r.unread) === 1,
    preview: r.preview,
    recipients: parties(r.recipients),
    startedAt: Number(r.started_at),
    lastAt: Number(r.last_at),
    endedAt: r.ended_at === null ? null : Number(r.ended_at),
  }
}

type EntryRow = Omit<Selectable<ConversationLogEntriesTable>, 'log_id' | 'entry_key'> & {
  entry_key: string | null
}

function toEntry(logId: string, r: EntryRow): LogEntry {
  return {
    logId,
    key: r.entry_key ?? `m${r.ord}`,
    ord: Number(r.ord),
    senderUserId: r.sender_user_id === null ? null : asUserId(r.sender_user_id),
    sender: { uri: r.sender_uri, name: r.sender_name },
    contentType: r.content_type as ContentType,
    body: r.body,
    createdAt: Number(r.created_at),
  }
}
