// The UCWA conversation in domain terms, whatever its modalities: who is in it (members), each
// endpoint's place in it (views, with a state per modality) and the invitations that bring people
// in. Messaging is its only modality today; audio/video, phone audio and meetings reuse all of it.
// See docs/messaging.md.
import type { ApplicationId, UserId } from '../ids.ts'

/**
 * The modalities a conversation carries, named as their UCWA resources (`…/{cid}/messaging`).
 * Each one has a state per endpoint (View) and implements ConversationModality (modality.ts).
 */
export type Modality = 'messaging'
export const MODALITIES: readonly Modality[] = ['messaging']

/** UCWA's name for a modality in `activeModalities` and `supportedModalities`. */
export const MODALITY_NAMES: Readonly<Record<Modality, string>> = { messaging: 'Messaging' }

export type ModalityState = 'Connecting' | 'Connected' | 'Disconnected'

/** An endpoint's state in each modality, one field per modality (a conversation_views column each). */
export type ModalityStates = { readonly [M in Modality]: ModalityState }

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

/** One application's view of a conversation: it receives the conversation's events. */
export interface View extends ModalityStates {
  readonly conversationId: string
  readonly appId: ApplicationId
  readonly userId: UserId
  readonly state: ViewState
  /**
   * The conversation's content with a higher seq (its messages) is the application's to read:
   * what was said once it was connected. Set from the modality's mark when the view connects.
   */
  readonly sinceSeq: number
  readonly createdAt: number
}

export type InvitationState = 'Connecting' | 'Connected' | 'Failed'

/**
 * `modality`: an invitation into one of the conversation's modalities — today startMessaging's
 * messagingInvitation, which creates the conversation; `participant`: addParticipant into a
 * connected conversation (the inviter sees a participantInvitation, the invitee is rung with an
 * invitation into `modality`).
 */
export type InvitationKind = 'modality' | 'participant'

/** Why an invitation failed (or ended on one endpoint), as UCWA's reason subcode. */
export type FailureReason =
  | 'Declined'
  | 'NoAnswer'
  | 'TemporarilyUnavailable'
  | 'DestinationNotFound'
  | 'DoNotDisturb'
  | 'Canceled'
  | 'ConnectedElsewhere'

export type ContentType = 'text/plain' | 'text/html'

/** A text: an invitation's first message, or an instant message. */
export interface MessageContent {
  readonly contentType: ContentType
  readonly body: string
}

export interface Invitation {
  readonly id: string
  readonly kind: InvitationKind
  /** The modality the invitee is rung for. */
  readonly modality: Modality
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

/** A conversation as one transaction sees it: everything its rules and read models need. */
export interface Scene {
  readonly conversation: Conversation
  readonly members: readonly Member[]
  readonly views: readonly View[]
  readonly invitations: readonly Invitation[]
}

/** Every modality Disconnected but `modality`, which is `state` (a view's modalities when it starts). */
export function onlyIn(modality: Modality, state: ModalityState): ModalityStates {
  const states = Object.fromEntries(MODALITIES.map((m) => [m, 'Disconnected'])) as Record<
    Modality,
    ModalityState
  >
  states[modality] = state
  return states
}

/** Every modality in `state` (a view that ends: all Disconnected). */
export function allIn(state: ModalityState): ModalityStates {
  return Object.fromEntries(MODALITIES.map((m) => [m, state])) as Record<Modality, ModalityState>
}

/** The modalities the endpoint is in (or joining). */
export function activeIn(view: ModalityStates): Modality[] {
  return MODALITIES.filter((m) => view[m] !== 'Disconnected')
}
