// Instant messaging in domain terms. See docs/messaging.md.
import type { ApplicationId, UserId } from '../ids.ts'

export type Importance = 'Normal' | 'Urgent' | 'Emergency'

export interface Conversation {
  readonly id: string
  readonly threadId: string
  readonly subject: string
  readonly importance: Importance
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

export type ViewState = 'Incoming' | 'Connecting' | 'Connected' | 'Disconnected'
export type ModalityState = 'Connecting' | 'Connected' | 'Disconnected'

/** One application's view of a conversation: it receives the conversation's events. */
export interface View {
  readonly conversationId: string
  readonly appId: ApplicationId
  readonly userId: UserId
  readonly state: ViewState
  readonly messaging: ModalityState
  readonly createdAt: number
}

export type InvitationState = 'Connecting' | 'Connected' | 'Failed'

/** Why an invitation failed, as UCWA's reason subcode. */
export type FailureReason =
  | 'Declined'
  | 'NoAnswer'
  | 'TemporarilyUnavailable'
  | 'DestinationNotFound'
  | 'DoNotDisturb'
  | 'Canceled'
  | 'AnsweredElsewhere'

export interface Invitation {
  readonly id: string
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
