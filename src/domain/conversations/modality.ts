// What a modality brings to the conversation core. The core (invitation-rules.ts) decides when an
// endpoint joins, rings, connects or leaves; at each step it names, per recipient, what happened
// in the modality (a cue) where its events belong, and the modality turns the cue into its own
// events — messaging: `messaging` updated, participantMessaging added/deleted, typing, the first
// message. Messaging implements it today (messaging/messaging-modality.ts); audio/video, phone
// audio and meetings implement it next. See docs/messaging.md.
import type { Application } from '../applications/application-types.ts'
import type { ChannelEvent } from '../events/channel-event.ts'
import type { ApplicationId, UserId } from '../ids.ts'
import type { ParticipantData } from './conversation-events.ts'
import type { Tx } from './conversation-observer.ts'
import type { Invitation, Member, MessageContent, Modality, ModalityState } from './conversation-types.ts'

/** What happened in the modality, as one recipient endpoint sees it. */
export type ModalityCue =
  /** The endpoint's own state in the modality changed (`Ended`: the conversation ended under it). */
  | { readonly type: 'state'; readonly state: ModalityState; readonly reason?: 'Ended' }
  /** A participant takes part in the modality, as the endpoint sees it. */
  | { readonly type: 'joined'; readonly participant: ParticipantData }
  /** A participant left the conversation (`userId`): it no longer takes part in the modality. */
  | { readonly type: 'left'; readonly participant: ParticipantData; readonly userId: UserId }
  /** The endpoint just joined a running conversation: what the others are doing in it now. */
  | { readonly type: 'caughtUp'; readonly others: readonly Member[] }
  /** The endpoint accepted `invitation` (from `from`): what the invitation carried reaches it. */
  | { readonly type: 'accepted'; readonly invitation: Invitation; readonly from: Member }

/** What a cue's rendering may look at: the change's transaction and the applications in it. */
export interface CueContext {
  readonly tx: Tx
  readonly conversationId: string
  /** An application of the change, or undefined once it is gone (the caller's costs no read). */
  application(id: ApplicationId): Promise<Application | undefined>
}

export interface ConversationModality {
  readonly name: Modality
  /** Whether an endpoint can be rung for this modality (it offers it). */
  reaches(app: Application): boolean
  /**
   * Checks and cleans what an invitation into the modality carries (messaging: its first
   * message's size and HTML); throws a UcwaError when it is not acceptable.
   */
  firstMessage(content: MessageContent): MessageContent
  /** Where the modality's content stands: an endpoint connecting now reads what comes after it. */
  mark(tx: Tx): Promise<number>
  /** The events `cue` means for application `to`, in order (none when it is gone). */
  render(context: CueContext, to: ApplicationId, cue: ModalityCue): Promise<readonly ChannelEvent[]>
  /** A member left the conversation: what it was doing in the modality ends (after its cues). */
  memberLeft(conversationId: string, userId: UserId): void
  /** The conversation ended. */
  ended(conversationId: string): void
  /** Lets what lasts a few seconds lapse (typing indications); runs on the invitations' tick. */
  expire(now: number): Promise<void>
}
