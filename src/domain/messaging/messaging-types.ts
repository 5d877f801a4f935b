// Instant messaging in domain terms. See docs/messaging.md.
import type { ApplicationId, UserId } from '../ids.ts'

export type Importance = 'Normal' | 'Urgent' | 'Emergency'

/**
 * Two-party until someone is added: `escalating` while the escalation to an ad-hoc conference
 * waits for its first added participant's answer (clients see `Conferencing`), `conference` from
 * then on (`Conferenced`; a conference never falls back to two-party).
 */
export type ConversationMode = 'p2p' | 'escalating' | 'conference'

export interface Conversation {
  readonly id: string
  readonly threadId: string
  readonly subject: string
  readonly importance: Importance
  readonly mode: ConversationMode
  readonly createdAt: number
  readonly endedAt: number | null
}

/** A user taking part in a conversation (or invited to it). */
export interface Member {
  readonly conversationId: string
  readonly userId: UserId
  readonly uri: string
  readonly name: string
  readonly state: 'invited' | 'connected' | 'left'
  readonly joinedAt: number
}

/**
 * An application's place in a conversation, as stored. `Disconnected`: the conversation ended
 * while the application was in it; it stays readable there until the application forgets it.
 */
export type ViewState = 'Incoming' | 'Connecting' | 'Connected' | 'Disconnected'
/** The conversation's `state` as one application sees it (UCWA ConversationState). */
export type ConversationState = ViewState | 'Conferencing' | 'Conferenced'
export type ModalityState = 'Connecting' | 'Connected' | 'Disconnected'

/** One application's view of a conversation: it receives the conversation's events. */
export interface View {
  readonly conversationId: string
  readonly appId: ApplicationId
  readonly userId: UserId
  readonly state: ViewState
  readonly messaging: ModalityState
  /** Messages with a higher seq are the application's to read (those sent once it was connected). */
  readonly sinceSeq: number
  readonly createdAt: number
}

export type InvitationState = 'Connecting' | 'Connected' | 'Failed'

/**
 * `messaging`: startMessaging, which creates the conversation; `participant`: addParticipant into
 * a connected one (the inviter sees a participantInvitation, the invitee a messagingInvitation).
 */
export type InvitationKind = 'messaging' | 'participant'

/** Why an invitation failed (or ended on one endpoint), as UCWA's reason subcode. */
export type FailureReason =
  | 'Declined'
  | 'NoAnswer'
  | 'TemporarilyUnavailable'
  | 'DestinationNotFound'
  | 'DoNotDisturb'
  | 'Canceled'
  | 'ConnectedElsewhere'

export interface Invitation {
  readonly id: string
  readonly kind: InvitationKind
  readonly conversationId: string
  readonly fromUserId: UserId
  readonly fromAppId: ApplicationId
  readonly toUri: string
  readonly toUserId: UserId | null
  readonly operationId: string | null
  /** The first message, sent with the invitation. */
  readonly message: MessageContent | null
  readonly state: InvitationState
  readonly reason: FailureReason | null
  readonly answeredAppId: ApplicationId | null
  readonly createdAt: number
  readonly expiresAt: number
}

export type ContentType = 'text/plain' | 'text/html'

export interface MessageContent {
  readonly contentType: ContentType
  readonly body: string
}

export interface Message extends MessageContent {
  /** Increasing per server; the message href ends with it. */
  readonly seq: number
  readonly conversationId: string
  readonly senderUserId: UserId
  readonly senderAppId: ApplicationId
  readonly operationId: string | null
  readonly createdAt: number
}
