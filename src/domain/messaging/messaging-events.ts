// The events of instant messaging, per recipient application, in the order real pools sent them
// (docs/protocol.md §7; SendAnIM / ReceiveAnIM traces). Embedded data is rendered by
// src/http/hal/messaging.ts.
import type { ChannelEvent, Ref } from '../events/channel-event.ts'
import type {
  Conversation,
  ConversationState,
  FailureReason,
  Invitation,
  Member,
  Message,
  ModalityState,
} from './messaging-types.ts'

export const COMMUNICATION: Ref = { rel: 'communication' }
export const conversationRef = (c: { id: string }): Ref => ({ rel: 'conversation', ids: [c.id] })
const messagingRef = (cid: string): Ref => ({ rel: 'messaging', ids: [cid] })
const participantRef = (cid: string, m: Pick<Member, 'uri' | 'name'>, local: boolean): Ref => ({
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

export function conversationData(
  c: Conversation,
  state: ConversationState,
  local: ParticipantData | undefined,
  participantCount: number,
): ConversationData {
  return {
    id: c.id,
    state,
    threadId: c.threadId,
    subject: c.subject,
    importance: c.importance,
    activeModalities: state === 'Incoming' || inConversation(state) ? ['Messaging'] : [],
    local: inConversation(state) ? local : undefined,
    participantCount,
  }
}

export interface MessagingData {
  readonly conversationId: string
  readonly state: ModalityState
  readonly formats: readonly string[]
}

/**
 * What an invitation resource shows to one application: a messagingInvitation (startMessaging,
 * either side, and the invitee's side of addParticipant) or the inviter's participantInvitation.
 */
export interface InvitationData {
  readonly id: string
  readonly rel: 'messagingInvitation' | 'participantInvitation'
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

export interface MessageData {
  readonly conversationId: string
  readonly seq: number
  readonly direction: 'Incoming' | 'Outgoing'
  readonly timeStamp: number
  readonly operationId: string | null
  readonly sender: ParticipantData
  readonly contentType: Message['contentType']
  readonly body: string
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

export const conversationEvent = (
  data: ConversationData,
  type: 'added' | 'updated' | 'deleted',
): ChannelEvent =>
  high({
    sender: COMMUNICATION,
    link: conversationRef(data),
    type,
    ...(type === 'deleted' ? {} : { embedded: data as never }),
  })

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

export const participantMessagingEvent = (
  cid: string,
  p: ParticipantData,
  type: 'added' | 'deleted',
): ChannelEvent =>
  high({
    sender: conversationRef({ id: cid }),
    link: { rel: 'participantMessaging', ids: [cid, p.uri] },
    in: participantRef(cid, p, p.local),
    type,
  })

export const messagingEvent = (data: MessagingData, reason?: 'Ended'): ChannelEvent =>
  high({
    sender: conversationRef({ id: data.conversationId }),
    link: messagingRef(data.conversationId),
    type: 'updated',
    embedded: data as never,
    ...(reason ? { reason: { code: 'Informational', subcode: reason } } : {}),
  })

export const messageEvent = (data: MessageData, status: 'Success' | 'Failure' = 'Success'): ChannelEvent =>
  high({
    sender: conversationRef({ id: data.conversationId }),
    link: { rel: 'message', ids: [data.conversationId, String(data.seq)] },
    type: 'completed',
    status,
    embedded: data as never,
  })

export const typingEvent = (cid: string, p: ParticipantData, type: 'added' | 'deleted'): ChannelEvent =>
  high({
    sender: conversationRef({ id: cid }),
    link: participantRef(cid, p, false),
    in: { rel: 'typingParticipants', ids: [cid] },
    type,
  })
