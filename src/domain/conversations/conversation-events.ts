// The events of the conversation core — conversation, participant and invitation — per recipient
// application, with what they embed, in the shapes real pools sent them (docs/protocol.md §7;
// SendAnIM / ReceiveAnIM traces). A modality's own events (messaging, messages, typing) are its
// own (messaging/messaging-events.ts). Embedded data is rendered by src/http/hal/conversations.ts.
import type { ChannelEvent, Ref } from '../events/channel-event.ts'
import {
  type Conversation,
  type ConversationState,
  type FailureReason,
  type Invitation,
  type Member,
  MODALITIES,
  MODALITY_NAMES,
  type Modality,
  type ModalityStates,
} from './conversation-types.ts'

export const COMMUNICATION: Ref = { rel: 'communication' }
export const conversationRef = (c: { id: string }): Ref => ({ rel: 'conversation', ids: [c.id] })
export const participantRef = (cid: string, m: Pick<Member, 'uri' | 'name'>, local: boolean): Ref => ({
  rel: local ? 'localParticipant' : 'participant',
  ids: [cid, m.uri],
  title: m.name,
})

/** What a participant resource shows. */
export interface ParticipantData {
  readonly uri: string
  readonly name: string
  readonly local: boolean
  /**
   * Its participantMessaging exists (the participant and the reading application both take part
   * in messaging), so the resource links it. Absent in events stored before this field: no link.
   */
  readonly messaging?: boolean
}

export const participantData = (
  m: Pick<Member, 'uri' | 'name'>,
  local: boolean,
  messaging = false,
): ParticipantData => ({ uri: m.uri, name: m.name, local, messaging })

/** The states in which the application takes part in the conversation (it may message). */
export const inConversation = (state: ConversationState): boolean =>
  state === 'Connected' || state === 'Conferencing' || state === 'Conferenced'

/** What a conversation resource shows to one application. */
export interface ConversationData {
  readonly id: string
  readonly state: ConversationState
  readonly threadId: string
  readonly subject: string
  readonly importance: string
  readonly activeModalities: readonly string[]
  /** The application's own participant, once connected. */
  readonly local: ParticipantData | undefined
  /** The participants the application sees (its roster), itself included. */
  readonly participantCount: number
}

/** `modalities`: the reading endpoint's; those not Disconnected are active while it rings or takes part. */
export function conversationData(
  c: Conversation,
  state: ConversationState,
  local: ParticipantData | undefined,
  participantCount: number,
  modalities: ModalityStates,
): ConversationData {
  const live = state === 'Incoming' || inConversation(state)
  return {
    id: c.id,
    state,
    threadId: c.threadId,
    subject: c.subject,
    importance: c.importance,
    activeModalities: live
      ? MODALITIES.filter((m) => modalities[m] !== 'Disconnected').map((m) => MODALITY_NAMES[m])
      : [],
    local: inConversation(state) ? local : undefined,
    participantCount,
  }
}

/** The invitation resources: one per modality (messagingInvitation, …) and the inviter's participantInvitation. */
export type InvitationRel = `${Modality}Invitation` | 'participantInvitation'

/**
 * What an invitation resource shows to one application: an invitation into a modality
 * (startMessaging, either side, and the invitee's side of addParticipant) or the inviter's
 * participantInvitation.
 */
export interface InvitationData {
  readonly id: string
  readonly rel: InvitationRel
  readonly conversationId: string
  readonly direction: 'Incoming' | 'Outgoing'
  readonly state: Invitation['state']
  readonly importance: string
  readonly subject: string
  readonly threadId: string
  readonly operationId: string | null
  readonly from: ParticipantData
  readonly toUri: string
  readonly message: Invitation['message']
  /** accept/decline (Incoming) or cancel (Outgoing) are offered. */
  readonly actionable: boolean
  readonly acceptedBy: ParticipantData | undefined
  /**
   * The reading application has no view of the conversation any more (it left it, was only rung,
   * or it was answered on another endpoint): the conversation, its messaging and its participants
   * answer 404 there, so the invitation does not link them. Absent in events stored before this
   * field: linked, as before.
   */
  readonly detached?: boolean
}

const high = (e: Omit<ChannelEvent, 'priority'>): ChannelEvent => ({ ...e, priority: 'high' })

export const invitationEvent = (
  data: InvitationData,
  type: 'started' | 'updated' | 'completed',
  reason?: FailureReason,
): ChannelEvent =>
  high({
    sender: COMMUNICATION,
    link: { rel: data.rel, ids: [data.id] },
    type,
    embedded: data as never,
    ...(type === 'completed' ? { status: data.state === 'Connected' ? 'Success' : 'Failure' } : {}),
    ...(reason
      ? {
          reason: {
            code: reason === 'NoAnswer' || reason === 'TemporarilyUnavailable' ? 'RemoteFailure' : 'Gone',
            subcode: reason,
          },
        }
      : {}),
  })

export const conversationEvent = (data: ConversationData, type: 'added' | 'updated'): ChannelEvent =>
  high({ sender: COMMUNICATION, link: conversationRef(data), type, embedded: data as never })

/** The conversation is gone from the recipient's view (nothing embedded). */
export const conversationDeletedEvent = (conversationId: string): ChannelEvent =>
  high({ sender: COMMUNICATION, link: conversationRef({ id: conversationId }), type: 'deleted' })

export const participantEvent = (
  cid: string,
  p: ParticipantData,
  type: 'added' | 'updated' | 'deleted',
  embed: boolean,
): ChannelEvent =>
  high({
    sender: conversationRef({ id: cid }),
    link: participantRef(cid, p, p.local),
    type,
    ...(embed ? { embedded: p as never } : {}),
  })
