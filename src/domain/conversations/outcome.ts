// What a rule of the conversation lifecycle decides (invitation-rules.ts): the store changes, in
// order, and the effects — events per application, cues for a modality, notes for the observers —
// in the order they happen; and the Step a rule fills them in with. apply-outcome.ts carries it out.
import type { ChannelEvent } from '../events/channel-event.ts'
import type { ApplicationId, UserId } from '../ids.ts'
import type { Conversation, FailureReason, Invitation, Modality, Scene } from './conversation-types.ts'
import type { ModalityCue } from './modality.ts'
import type { Change, SceneDraft } from './scene-draft.ts'

/** What a rule makes happen besides the store changes, in order. */
export type Effect =
  /** An event for `to`; `unlessGone`: only while that application exists (it has no view to prove it). */
  | { readonly to: ApplicationId; readonly event: ChannelEvent; readonly unlessGone?: true }
  /** The modality's events for `to` (modality.ts). */
  | { readonly to: ApplicationId; readonly modality: Modality; readonly cue: ModalityCue }
  /** For the observers: the invitation failed. */
  | {
      readonly note: 'invitationFailed'
      readonly invitation: Invitation
      readonly conversation: Conversation
      readonly reason: FailureReason
    }
  /** For the modalities: a member left (after the cues that show it). */
  | { readonly note: 'memberLeft'; readonly userId: UserId }
  /** For the observers and the modalities: the conversation ended. */
  | { readonly note: 'conversationEnded'; readonly conversation: Conversation }

export interface Outcome {
  /** The scene as the changes leave it. */
  readonly scene: Scene
  readonly changes: readonly Change[]
  readonly effects: readonly Effect[]
}

/** One rule's work: the draft it changes and the effects it collects, in order. */
export class Step {
  readonly draft: SceneDraft
  readonly effects: Effect[] = []
  readonly now: number

  constructor(draft: SceneDraft, now: number) {
    this.draft = draft
    this.now = now
  }

  get scene(): Scene {
    return this.draft.scene
  }

  send(to: ApplicationId, ...events: ChannelEvent[]): void {
    for (const event of events) this.effects.push({ to, event })
  }

  /** An event for an application that may be gone by now (it has no view to prove it is not). */
  sendUnlessGone(to: ApplicationId, event: ChannelEvent): void {
    this.effects.push({ to, event, unlessGone: true })
  }

  cue(to: ApplicationId, modality: Modality, cue: ModalityCue): void {
    this.effects.push({ to, modality, cue })
  }

  /** For the observers: `invitation` failed (after the events that tell it). */
  failed(invitation: Invitation, reason: FailureReason): void {
    this.effects.push({ note: 'invitationFailed', invitation, conversation: this.scene.conversation, reason })
  }

  /** For the modalities: the member left (after the cues that show it). */
  left(userId: UserId): void {
    this.effects.push({ note: 'memberLeft', userId })
  }

  /** For the observers and the modalities: the conversation ended. */
  ended(conversation: Conversation = this.scene.conversation): void {
    this.effects.push({ note: 'conversationEnded', conversation })
  }

  outcome(): Outcome {
    return { scene: this.draft.scene, changes: this.draft.changes, effects: this.effects }
  }
}
