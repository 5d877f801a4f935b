// Conversations, their members, each endpoint's view and the invitations (the conversation core's
// port, src/domain/conversations/conversation-store.ts): tables conversations,
// conversation_members, conversation_views and invitations. Messages are messaging-repository.ts.
// See docs/store.md.
import type { Kysely, Selectable } from 'kysely'
import type { ConversationStore, InvitationChange } from '../../domain/conversations/conversation-store.ts'
import type {
  ContentType,
  Conversation,
  ConversationMode,
  FailureReason,
  Importance,
  Invitation,
  InvitationState,
  Member,
  Modality,
  ModalityState,
  View,
  ViewState,
} from '../../domain/conversations/conversation-types.ts'
import { type ApplicationId, asApplicationId, asUserId } from '../../domain/ids.ts'
import type {
  ConversationMembersTable,
  ConversationsTable,
  ConversationViewsTable,
  Database,
  InvitationsTable,
} from './database.ts'
import { type EntityLock, NO_LOCK } from './locks.ts'
import { prepare } from './prepared.ts'
import { type SceneScope, sceneRead } from './scene-cache.ts'

const viewOf = prepare<[string, string], Selectable<ConversationViewsTable>>((db, conversation, app) =>
  db
    .selectFrom('conversation_views')
    .selectAll()
    .where('conversation_id', '=', conversation)
    .where('app_id', '=', app),
)
const viewsOf = prepare<[string], Selectable<ConversationViewsTable>>((db, conversation) =>
  db
    .selectFrom('conversation_views')
    .selectAll()
    .where('conversation_id', '=', conversation)
    .orderBy('created_at'),
)
const conversationById = prepare<[string], Selectable<ConversationsTable>>((db, id) =>
  db.selectFrom('conversations').selectAll().where('id', '=', id),
)
const membersOf = prepare<[string], Selectable<ConversationMembersTable>>((db, conversation) =>
  db
    .selectFrom('conversation_members')
    .selectAll()
    .where('conversation_id', '=', conversation)
    .orderBy('joined_at'),
)
export class KyselyConversationStore implements ConversationStore {
  readonly #db: Kysely<Database>
  readonly #lock: EntityLock
  readonly #scenes: SceneScope | undefined

  /** `scenes`: the transaction's window on the scene cache (scene-cache.ts), where there is one. */
  constructor(db: Kysely<Database>, lock: EntityLock = NO_LOCK, scenes?: SceneScope) {
    this.#db = db
    this.#lock = lock
    this.#scenes = scenes
  }

  async createConversation(c: Conversation): Promise<void> {
    await this.#db
      .insertInto('conversations')
      .values({
        id: c.id,
        thread_id: c.threadId,
        subject: c.subject,
        importance: c.importance,
        mode: c.mode,
        created_at: c.createdAt,
        ended_at: c.endedAt,
      })
      .execute()
  }

  async conversation(id: string): Promise<Conversation | undefined> {
    // Every conversation transaction reads its conversation (or invitation) first: on PostgreSQL
    // that serializes one conversation's changes, as SQLite's single writer does.
    await this.#lock(`conversation:${id}`)
    const row = (await conversationById.run(this.#db, id)).rows[0]
    if (row) this.#scenes?.validate(id, Number(row.version))
    return (
      row && {
        id: row.id,
        threadId: row.thread_id,
        subject: row.subject,
        importance: row.importance as Importance,
        mode: row.mode as ConversationMode,
        createdAt: Number(row.created_at),
        endedAt: row.ended_at === null ? null : Number(row.ended_at),
      }
    )
  }

  async endConversation(id: string, at: number): Promise<void> {
    await this.#db.updateTable('conversations').set({ ended_at: at }).where('id', '=', id).execute()
  }

  async setConversationMode(id: string, mode: ConversationMode): Promise<void> {
    await this.#db.updateTable('conversations').set({ mode }).where('id', '=', id).execute()
  }

  async upsertMember(m: Member): Promise<void> {
    this.#scenes?.changed()
    const values = {
      conversation_id: m.conversationId,
      user_id: m.userId,
      uri: m.uri,
      name: m.name,
      state: m.state,
      joined_at: m.joinedAt,
    }
    await this.#db
      .insertInto('conversation_members')
      .values(values)
      .onConflict((oc) =>
        oc.columns(['conversation_id', 'user_id']).doUpdateSet({ state: m.state, name: m.name }),
      )
      .execute()
  }

  async members(conversationId: string): Promise<readonly Member[]> {
    return sceneRead(this.#scenes, conversationId, 'members', async () =>
      (await membersOf.run(this.#db, conversationId)).rows.map(toMember),
    )
  }

  async upsertView(v: View): Promise<void> {
    this.#scenes?.changed()
    await this.#db
      .insertInto('conversation_views')
      .values({
        conversation_id: v.conversationId,
        app_id: v.appId,
        user_id: v.userId,
        state: v.state,
        messaging: v.messaging,
        since_seq: v.sinceSeq,
        created_at: v.createdAt,
      })
      .onConflict((oc) =>
        oc
          .columns(['conversation_id', 'app_id'])
          .doUpdateSet({ state: v.state, messaging: v.messaging, since_seq: v.sinceSeq }),
      )
      .execute()
  }

  async view(conversationId: string, app: ApplicationId): Promise<View | undefined> {
    const row = (await viewOf.run(this.#db, conversationId, app)).rows[0]
    return row && toView(row)
  }

  async views(conversationId: string): Promise<readonly View[]> {
    return sceneRead(this.#scenes, conversationId, 'views', async () =>
      (await viewsOf.run(this.#db, conversationId)).rows.map(toView),
    )
  }

  // Neither lists a view whose conversation ended under it (Disconnected): it is no longer in
  // the application's list, and there is nothing left to leave (it goes with the application).
  async viewsOfExpiredApps(now: number, limit: number): Promise<View[]> {
    const rows = await this.#db
      .selectFrom('conversation_views as v')
      .innerJoin('applications as a', 'a.id', 'v.app_id')
      .selectAll('v')
      .where('a.expires_at', '<=', now)
      .where('v.state', '!=', 'Disconnected')
      .limit(limit)
      .execute()
    return rows.map(toView)
  }

  async viewsOfApp(app: ApplicationId): Promise<View[]> {
    const rows = await this.#db
      .selectFrom('conversation_views')
      .selectAll()
      .where('app_id', '=', app)
      .where('state', '!=', 'Disconnected')
      .orderBy('created_at')
      .execute()
    return rows.map(toView)
  }

  async removeView(conversationId: string, app: ApplicationId): Promise<void> {
    this.#scenes?.changed()
    await this.#db
      .deleteFrom('conversation_views')
      .where('conversation_id', '=', conversationId)
      .where('app_id', '=', app)
      .execute()
  }

  async createInvitation(i: Invitation): Promise<void> {
    await this.#db
      .insertInto('invitations')
      .values({
        id: i.id,
        kind: kindColumn(i),
        conversation_id: i.conversationId,
        from_user_id: i.fromUserId,
        from_app_id: i.fromAppId,
        to_uri: i.toUri,
        to_user_id: i.toUserId,
        operation_id: i.operationId,
        message_type: i.message?.contentType ?? null,
        message_body: i.message?.body ?? null,
        state: i.state,
        reason: i.reason,
        answered_app_id: i.answeredAppId,
        created_at: i.createdAt,
        expires_at: i.expiresAt,
      })
      .execute()
  }

  async invitation(id: string): Promise<Invitation | undefined> {
    if (this.#lock !== NO_LOCK) {
      const owner = await this.#db
        .selectFrom('invitations')
        .select('conversation_id')
        .where('id', '=', id)
        .executeTakeFirst()
      if (owner) await this.#lock(`conversation:${owner.conversation_id}`)
    }
    const row = await this.#db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toInvitation(row)
  }

  async invitations(conversationId: string): Promise<Invitation[]> {
    const rows = await this.#db
      .selectFrom('invitations')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .orderBy('created_at')
      .orderBy('id')
      .execute()
    return rows.map(toInvitation)
  }

  async updateInvitation(id: string, change: InvitationChange): Promise<void> {
    await this.#db
      .updateTable('invitations')
      .set({
        state: change.state,
        ...(change.reason !== undefined ? { reason: change.reason } : {}),
        ...(change.answeredAppId !== undefined ? { answered_app_id: change.answeredAppId } : {}),
      })
      .where('id', '=', id)
      .execute()
  }

  async expiredInvitations(now: number, limit: number): Promise<Invitation[]> {
    const rows = await this.#db
      .selectFrom('invitations')
      .selectAll()
      .where('state', '=', 'Connecting')
      .where('expires_at', '<=', now)
      .orderBy('expires_at')
      .limit(limit)
      .execute()
    return rows.map(toInvitation)
  }

  async removeEnded(before: number, limit: number): Promise<number> {
    const result = await this.#db
      .deleteFrom('conversations')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('conversations as c')
          .select('c.id')
          .where('c.ended_at', '<', before)
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('conversation_logs as l')
                  .select('l.id')
                  .whereRef('l.conversation_id', '=', 'c.id'),
              ),
            ),
          )
          .limit(limit),
      )
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}

function toMember(r: Selectable<ConversationMembersTable>): Member {
  return {
    conversationId: r.conversation_id,
    userId: asUserId(r.user_id),
    uri: r.uri,
    name: r.name,
    state: r.state as Member['state'],
    joinedAt: Number(r.joined_at),
  }
}

function toView(r: Selectable<ConversationViewsTable>): View {
  return {
    conversationId: r.conversation_id,
    appId: asApplicationId(r.app_id),
    userId: asUserId(r.user_id),
    state: r.state as ViewState,
    // One column per modality, named as the modality.
    messaging: r.messaging as ModalityState,
    sinceSeq: Number(r.since_seq),
    createdAt: Number(r.created_at),
  }
}

function toInvitation(r: Selectable<InvitationsTable>): Invitation {
  return {
    id: r.id,
    ...fromKindColumn(r.kind),
    conversationId: r.conversation_id,
    fromUserId: asUserId(r.from_user_id),
    fromAppId: asApplicationId(r.from_app_id),
    toUri: r.to_uri,
    toUserId: r.to_user_id === null ? null : asUserId(r.to_user_id),
    operationId: r.operation_id,
    message:
      r.message_type === null || r.message_body === null
        ? null
        : { contentType: r.message_type as ContentType, body: r.message_body },
    state: r.state as InvitationState,
    reason: r.reason as FailureReason | null,
    answeredAppId: r.answered_app_id === null ? null : asApplicationId(r.answered_app_id),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  }
}

// invitations.kind holds both the kind and the modality (no column of its own): an invitation into
// a modality is stored as the modality's name (`messaging`, as startMessaging's always were), an
// addParticipant as `participant` when it rings in messaging, else `participant:<modality>`.
function kindColumn(i: Pick<Invitation, 'kind' | 'modality'>): string {
  if (i.kind === 'modality') return i.modality
  return i.modality === 'messaging' ? 'participant' : `participant:${i.modality}`
}

function fromKindColumn(column: string): Pick<Invitation, 'kind' | 'modality'> {
  if (column === 'participant') return { kind: 'participant', modality: 'messaging' }
  if (column.startsWith('participant:'))
    return { kind: 'participant', modality: column.slice('participant:'.length) as Modality }
  return { kind: 'modality', modality: column as Modality }
}
