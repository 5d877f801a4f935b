// Reading a conversation's scene — the conversation, its members, views and invitations — inside
// a transaction, and the check every resource of it makes: the caller's endpoint has a view of
// it (another endpoint, of the same user or not, gets 404 exactly as for a missing one).
import type { Application } from '../applications/application-types.ts'
import type { Session } from '../auth/auth-service.ts'
import { UcwaError } from '../errors.ts'
import type { ConversationStore } from './conversation-store.ts'
import type { Scene, View } from './conversation-types.ts'

/** `withInvitations: false` for actions that never look at invitations (sending a message). */
export async function loadScene(
  tx: { readonly conversations: ConversationStore },
  conversationId: string,
  withInvitations = true,
): Promise<Scene | undefined> {
  const conversation = await tx.conversations.conversation(conversationId)
  if (!conversation) return undefined
  return {
    conversation,
    members: await tx.conversations.members(conversationId),
    views: await tx.conversations.views(conversationId),
    invitations: withInvitations ? await tx.conversations.invitations(conversationId) : [],
  }
}

/** The conversation and the caller's endpoint's view of it, or 404. */
export async function loadViewed(
  tx: { readonly conversations: ConversationStore },
  session: Pick<Session, 'user'>,
  app: Application,
  conversationId: string,
  withInvitations = true,
): Promise<{ scene: Scene; view: View }> {
  const scene = await loadScene(tx, conversationId, withInvitations)
  const view = scene?.views.find((v) => v.appId === app.id)
  if (!scene || !view || view.userId !== session.user.id) throw new UcwaError('ResourceNotFound')
  return { scene, view }
}
