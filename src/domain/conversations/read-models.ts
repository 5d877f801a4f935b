// What one endpoint reads of a conversation — its state, roster, participants who left and the
// invitations as it sees them — computed from the scene alone (pure), so an event embeds exactly
// what a GET returns afterwards. See docs/messaging.md.
import type { ApplicationId } from '../ids.ts'
import {
  type ConversationData,
  conversationData,
  type InvitationData,
  inConversation,
  type ParticipantData,
  participantData,
} from './conversation-events.ts'
import type { ConversationState, Invitation, Member, Scene, View } from './conversation-types.ts'

/** One application's view of a conversation, ready to render. */
export interface ConversationView {
  readonly conversation: ConversationData
  /** The participants the application sees, itself included (local first when present). */
  readonly roster: readonly ParticipantData[]
  /**
   * Participants who took part and left, while the application is in the conversation (or, once
   * it ended under the application, everyone who took part): their resources stay readable in
   * their final state (no participantMessaging), so a message's `participant` link still answers
   * after its sender left. Not in the roster or its count.
   */
  readonly departed: readonly ParticipantData[]
}

export function viewOf(scene: Scene, appId: ApplicationId): View | undefined {
  return scene.views.find((v) => v.appId === appId)
}

/** The member whose endpoint `appId` is in the conversation. */
export function memberOf(scene: Scene, appId: ApplicationId): Member | undefined {
  const view = viewOf(scene, appId)
  return view && scene.members.find((m) => m.userId === view.userId)
}

/**
 * The participants an application sees, itself included: ringing, itself and the inviter;
 * calling, itself; connected, everyone connected; ended, nobody.
 */
export function roster(scene: Scene, view: View): Member[] {
  const me = scene.members.find((m) => m.userId === view.userId)
  if (view.state === 'Disconnected') return []
  if (view.state === 'Connected') return scene.members.filter((m) => m.state === 'connected')
  if (view.state === 'Incoming') {
    const invitation = scene.invitations.find((i) => i.state === 'Connecting' && i.toUserId === view.userId)
    const from = invitation && scene.members.find((m) => m.userId === invitation.fromUserId)
    return [me, from].filter((m): m is Member => m !== undefined)
  }
  return me ? [me] : []
}

export function stateOf(scene: Scene, view: View): ConversationState {
  if (view.state !== 'Connected') return view.state
  const mode = scene.conversation.mode
  return mode === 'p2p' ? 'Connected' : mode === 'escalating' ? 'Conferencing' : 'Conferenced'
}

export function conversationDataOf(scene: Scene, view: View): ConversationData {
  const me = scene.members.find((m) => m.userId === view.userId)
  return conversationData(
    scene.conversation,
    stateOf(scene, view),
    me && participantData(me, true),
    roster(scene, view).length,
    view,
  )
}

export function present(scene: Scene, view: View): ConversationView {
  const members = roster(scene, view)
  const local = members.filter((m) => m.userId === view.userId)
  const others = members.filter((m) => m.userId !== view.userId)
  // Taking part, the application sees connected participants only, each in messaging; those
  // who left stay readable. Once the conversation ended under it, everyone who took part does.
  const taking = inConversation(stateOf(scene, view))
  const ended = view.state === 'Disconnected'
  const departed =
    taking || ended
      ? scene.members.filter((m) => (ended || m.state !== 'connected') && tookPart(scene, m))
      : []
  return {
    conversation: conversationDataOf(scene, view),
    roster: [
      ...local.map((m) => participantData(m, true, taking)),
      ...others.map((m) => participantData(m, false, taking)),
    ],
    departed: departed.map((m) => participantData(m, m.userId === view.userId)),
  }
}

/**
 * Whether a member was ever connected: it started the conversation or accepted an invitation
 * into it (declined and unanswered invitees never were participants).
 */
export function tookPart(scene: Scene, m: Member): boolean {
  return scene.invitations.some(
    (i) =>
      (i.kind === 'modality' && i.fromUserId === m.userId) ||
      (i.state === 'Connected' && i.toUserId === m.userId),
  )
}

/** An invitation as `appId` sees it: the inviting endpoint, or an endpoint of the invitee. */
export function invitationDataOf(invitation: Invitation, scene: Scene, appId: ApplicationId): InvitationData {
  const outgoing = invitation.fromAppId === appId
  const from = scene.members.find((m) => m.userId === invitation.fromUserId)
  const invitee = scene.members.find((m) => m.userId === invitation.toUserId)
  // Answered on another endpoint of the invitee: over here it did not connect.
  const elsewhere = !outgoing && invitation.state === 'Connected' && invitation.answeredAppId !== appId
  const state = elsewhere ? 'Failed' : invitation.state
  // Nothing of the conversation is linked where it answers 404 (no view), nor from an invitation
  // of an earlier stay: a failed incoming one never led in, and once the reader's user left and
  // was invited again, its older invitations must not link the conversation anew (their GET
  // would change without an event).
  const view = viewOf(scene, appId)
  const laterStay = (userId: string) =>
    scene.invitations.some((i) => i.toUserId === userId && i.createdAt > invitation.createdAt)
  const detached = !view || (!outgoing && state === 'Failed') || laterStay(view.userId)
  const conversation = scene.conversation
  return {
    id: invitation.id,
    rel:
      outgoing && invitation.kind === 'participant'
        ? 'participantInvitation'
        : `${invitation.modality}Invitation`,
    conversationId: conversation.id,
    direction: outgoing ? 'Outgoing' : 'Incoming',
    state,
    importance: conversation.importance,
    subject: conversation.subject,
    threadId: conversation.threadId,
    operationId: outgoing ? invitation.operationId : null,
    from: participantData(from ?? { uri: '', name: '' }, outgoing),
    toUri: invitation.toUri,
    message: invitation.message,
    actionable: state === 'Connecting' && !detached,
    acceptedBy: outgoing && state === 'Connected' && invitee ? participantData(invitee, false) : undefined,
    ...(detached ? { detached } : {}),
  }
}
