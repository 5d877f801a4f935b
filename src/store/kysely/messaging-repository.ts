// The messages of conversations (the messaging modality's port,
// src/domain/messaging/messaging-store.ts): table messages, one counter for every conversation.
// Conversations, members, views and invitations are conversation-repository.ts. See docs/store.md.
import type { Kysely, Selectable } from 'kysely'
import { asApplicationId, asUserId } from '../../domain/ids.ts'
import type { MessagingStore } from '../../domain/messaging/messaging-store.ts'
import type { ContentType, Message } from '../../domain/messaging/messaging-types.ts'
import type { Database, MessagesTable } from './database.ts'
import { prepare, rowidIsSeq } from './prepared.ts'

type MessageParams = [string, string, string, string, string, string | null, number]
// The parameters as `prepare` hands them over (placeholders, in MessageParams order).
const messageValues = (p: readonly never[]) => ({
  conversation_id: p[0] as never,
  sender_user_id: p[1] as never,
  sender_app_id: p[2] as never,
  content_type: p[3] as never,
  body: p[4] as never,
  operation_id: p[5] as never,
  created_at: p[6] as never,
})
// The new seq: as rowidIsSeq (prepared.ts) says.
const insertMessage = prepare<MessageParams, never>((db, ...params) =>
  db.insertInto('messages').values(messageValues(params)),
)
const insertMessageReturning = prepare<MessageParams, { seq: number }>((db, ...params) =>
  db.insertInto('messages').values(messageValues(params)).returning('seq'),
)

export class KyselyMessagingStore implements MessagingStore {
  readonly #db: Kysely<Database>
  readonly #rowidSeqs: boolean

  constructor(db: Kysely<Database>) {
    this.#db = db
    this.#rowidSeqs = rowidIsSeq(db)
  }

  async addMessage(m: Omit<Message, 'seq'>): Promise<Message> {
    const params: MessageParams = [
      m.conversationId,
      m.senderUserId,
      m.senderAppId,
      m.contentType,
      m.body,
      m.operationId,
      m.createdAt,
    ]
    const seq = this.#rowidSeqs
      ? (await insertMessage.run(this.#db, ...params)).insertId
      : (await insertMessageReturning.run(this.#db, ...params)).rows[0]?.seq
    if (seq === undefined) throw new Error('message insert returned no seq')
    return { ...m, seq: Number(seq) }
  }

  async message(conversationId: string, seq: number): Promise<Message | undefined> {
    const row = await this.#db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('seq', '=', seq)
      .executeTakeFirst()
    return row && toMessage(row)
  }

  async lastMessageSeq(): Promise<number> {
    const row = await this.#db
      .selectFrom('messages')
      .select((eb) => eb.fn.max('seq').as('last'))
      .executeTakeFirst()
    return Number(row?.last ?? 0)
  }
}

function toMessage(r: Selectable<MessagesTable>): Message {
  return {
    seq: Number(r.seq),
    conversationId: r.conversation_id,
    senderUserId: asUserId(r.sender_user_id),
    senderAppId: asApplicationId(r.sender_app_id),
    contentType: r.content_type as ContentType,
    body: r.body,
    operationId: r.operation_id,
    createdAt: Number(r.created_at),
  }
}
