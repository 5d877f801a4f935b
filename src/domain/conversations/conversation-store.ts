// The conversation core's port: conversations, their members, each endpoint's view and the
// invitations (src/store/kysely/conversation-repository.ts). A modality's own content (messages)
// has its own port. See docs/messaging.md and docs/store.md.
import type { ApplicationId } from '../ids.ts'
import type { Conversation, Invitation, Member, View } from './conversation-types.ts'

export interface ConversationStore {
  createConversation(conversation: Conversation): Promise<void>
  /**
   * Every change to a conversation reads it (or one of its invitations) first: where nodes share
   * the store, that serializes the conversation's changes.
   */
  conversation(id: string): Promise<Conversation | undefined>
  endConversation(id: string, at: number): Promise<void>
  setConversationMode(id: string, mode: Conversation['mode']): Promise<void>
  upsertMember(member: Member): Promise<void>
  /** Oldest first. */
  members(conversationId: string): Promise<readonly Member[]>
  upsertView(view: View): Promise<void>
  view(conversationId: string, app: ApplicationId): Promise<View | undefined>
  /** Oldest first. */
  views(conversationId: string): Promise<readonly View[]>
  /** The conversations an application has in view (its `conversations` list). */
  viewsOfApp(app: ApplicationId): Promise<View[]>
  /** Views held by applications that expired by `now` (their endpoints must leave). */
  viewsOfExpiredApps(now: number, limit: number): Promise<View[]>
  removeView(conversationId: string, app: ApplicationId): Promise<void>
  createInvitation(invitation: Invitation): Promise<void>
  invitation(id: string): Promise<Invitation | undefined>
  /** Every invitation of the conversation, oldest first. */
  invitations(conversationId: string): Promise<Invitation[]>
  updateInvitation(id: string, change: InvitationChange): Promise<void>
  /** Invitations still Connecting whose answer time passed before `now`. */
  expiredInvitations(now: number, limit: number): Promise<Invitation[]>
  /**
   * Deletes (at most `limit`) conversations that ended before `before` and that no conversation
   * log refers to, with their members, views, invitations and messages; returns how many.
   */
  removeEnded(before: number, limit: number): Promise<number>
}

/** What answering or ending an invitation changes. */
export type InvitationChange = Pick<Invitation, 'state'> &
  Partial<Pick<Invitation, 'reason' | 'answeredAppId'>>
