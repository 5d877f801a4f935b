// The conversation lifecycle as pure rules: a scene and an input in, the changes to store and the
// effects out — events per application in the order real pools sent them, cues for the modality
// (modality.ts) where its events belong, and notes for the observers. Invitations ring every live
// endpoint of the invitee, the first to accept takes it and the others stop ringing
// (ConnectedElsewhere), a decline, no answer or cancel fails it, an endpoint that goes away stops
// ringing or leaves, a conversation of fewer than two ends. ConversationService reads the scene,
// applies the outcome and commits it with its events. See docs/messaging.md.
import type { ApplicationId, UserId } from '../ids.ts'
import {
  conversationDeletedEvent,
  conversationEvent,
  invitationEvent,
  type ParticipantData,
  participantData,
  participantEvent,
} from './conversation-events.ts'
import {
  activeIn,
  allIn,
  type Conversation,
  type FailureReason,
  type Invitation,
  type Member,
  onlyIn,
  type Scene,
  type View,
} from './conversation-types.ts'
import { type Outcome, Step } from './outcome.ts'
import { conversationDataOf, invitationDataOf, memberOf, roster, viewOf } from './read-models.ts'
import { SceneDraft } from './scene-draft.ts'

/** Who leaves or is rung: a user as the conversation names them. */
export type Party = Pick<Member, 'userId' | 'uri' | 'name'>

const view = (scene: Scene, appId: ApplicationId, userId: UserId, state: View['state']): View => ({
  conversationId: scene.conversation.id,
  appId,
  userId,
  state,
  ...allIn('Disconnected'),
  sinceSeq: 0,
  createdAt: 0,
})

// ---- starting and inviting --------------------------------------------------------------------

export interface StartInput {
  /** Ended at `now` when `failure` is set. */
  readonly conversation: Conversation
  /** The caller, connected. */
  readonly from: Member
  readonly callerAppId: ApplicationId
  /** Connecting; it fails at once with `failure` when nobody can be rung. */
  readonly invitation: Invitation
  readonly failure: FailureReason | undefined
  /** The invitee as a member, invited; undefined when `to` is nobody in the directory. */
  readonly invitee: Member | undefined
  /** The invitee's endpoints to ring (live, offering the invitation's modality). */
  readonly ringing: readonly ApplicationId[]
  /** Where the modality's content stands (the caller reads what comes after it). */
  readonly mark: number
  readonly now: number
}

/**
 * startMessaging (and its like in other modalities): a new conversation with the caller calling
 * in it, and the invitation ringing at the invitee's endpoints — or failing at once when nobody
 * can be rung, the conversation then ended and kept, Disconnected, by the caller.
 */
export function start(input: StartInput): Outcome {
  const { conversation, from, invitation, failure, now } = input
  const cid = conversation.id
  const mod = invitation.modality
  const step = new Step(SceneDraft.create(conversation), now)
  const d = step.draft
  d.upsertMember(from)
  const failed: Invitation = { ...invitation, state: 'Failed', reason: failure ?? null }
  d.createInvitation(failure ? failed : invitation)
  const mine: View = {
    ...view(step.scene, input.callerAppId, from.userId, 'Connecting'),
    ...onlyIn(mod, 'Connecting'),
    sinceSeq: input.mark,
    createdAt: now,
  }
  // What the caller is told first is the conversation as it starts: only itself in it.
  const scene: Scene = { conversation, members: [from], views: [mine], invitations: [invitation] }
  step.send(
    mine.appId,
    invitationEvent(invitationDataOf(invitation, scene, mine.appId), 'started'),
    conversationEvent(conversationDataOf(scene, mine), 'added'),
    participantEvent(cid, participantData(from, true), 'added', true),
  )
  step.cue(mine.appId, mod, { type: 'state', state: 'Connecting' })
  if (failure) {
    // Nobody to ring: the invitation fails at once and the conversation ends under the caller,
    // which keeps it readable, Disconnected, as any endpoint it ended under (see fail).
    const ended: View = { ...mine, state: 'Disconnected', ...allIn('Disconnected') }
    d.upsertView(ended)
    const after: Scene = { ...scene, views: [ended], invitations: [failed] }
    step.send(mine.appId, invitationEvent(invitationDataOf(failed, after, mine.appId), 'completed', failure))
    step.cue(mine.appId, mod, { type: 'state', state: 'Disconnected' })
    step.send(mine.appId, conversationDeletedEvent(cid))
    step.failed(failed, failure)
    step.ended()
    return step.outcome()
  }
  d.upsertView(mine)
  if (!input.invitee) return step.outcome()
  d.upsertMember(input.invitee)
  ring(step, invitation, input.invitee, input.ringing)
  return step.outcome()
}

export interface AddParticipantInput {
  /** Connecting, kind `participant`. */
  readonly invitation: Invitation
  readonly failure: FailureReason | undefined
  /** The invitee as a member, invited; undefined when `to` is nobody in the directory. */
  readonly invitee: Member | undefined
  readonly ringing: readonly ApplicationId[]
  readonly now: number
}

/**
 * addParticipant into a connected conversation: the first escalates a two-party conversation to
 * an ad-hoc conference (Conferencing for every connected endpoint until answered), and the invitee
 * is rung. Nobody to ring: the participantInvitation fails at once, the conversation unchanged.
 */
export function addParticipant(scene: Scene, input: AddParticipantInput): Outcome {
  const { invitation, failure } = input
  const step = new Step(new SceneDraft(scene), input.now)
  const d = step.draft
  const inviter = invitation.fromAppId
  if (failure) {
    const failed: Invitation = { ...invitation, state: 'Failed', reason: failure }
    d.createInvitation(failed)
    step.send(
      inviter,
      invitationEvent(invitationDataOf(invitation, scene, inviter), 'started'),
      invitationEvent(invitationDataOf(failed, scene, inviter), 'completed', failure),
    )
    step.failed(failed, failure)
    return step.outcome()
  }
  if (!input.invitee) return step.outcome()
  d.createInvitation(invitation)
  d.upsertMember(input.invitee)
  const escalate = scene.conversation.mode === 'p2p'
  if (escalate) d.setMode('escalating')
  const after = step.scene
  step.send(inviter, invitationEvent(invitationDataOf(invitation, after, inviter), 'started'))
  if (escalate) {
    for (const v of after.views) {
      if (v.state === 'Connected')
        step.send(v.appId, conversationEvent(conversationDataOf(after, v), 'updated'))
    }
  }
  ring(step, invitation, input.invitee, input.ringing)
  return step.outcome()
}

/** Rings the invitee's endpoints: each gets an Incoming invitation and the conversation. */
function ring(
  step: Step,
  invitation: Invitation,
  invitee: Member,
  endpoints: readonly ApplicationId[],
): void {
  const cid = invitation.conversationId
  for (const appId of endpoints) {
    step.draft.upsertView({
      ...view(step.scene, appId, invitee.userId, 'Incoming'),
      ...onlyIn(invitation.modality, 'Connecting'),
      createdAt: step.now,
    })
  }
  const scene = step.scene
  const from = scene.members.find((m) => m.userId === invitation.fromUserId)
  const theirs = participantData(invitee, true)
  for (const v of scene.views) {
    if (v.userId !== invitee.userId || v.state !== 'Incoming') continue
    step.send(
      v.appId,
      invitationEvent(invitationDataOf(invitation, scene, v.appId), 'started'),
      conversationEvent(conversationDataOf(scene, v), 'added'),
      participantEvent(cid, theirs, 'added', true),
    )
    if (from) step.send(v.appId, participantEvent(cid, participantData(from, false), 'added', false))
  }
}

// ---- answering --------------------------------------------------------------------------------

export interface AcceptInput {
  /** Ringing at `appId`, to the user of `me`. */
  readonly invitation: Invitation
  readonly appId: ApplicationId
  readonly me: Member
  /** Where the modality's content stands (the accepting endpoint reads what comes after it). */
  readonly mark: number
  readonly now: number
}

/** accept: this endpoint takes the conversation; the invitation ends on the user's others. */
export function accept(before: Scene, input: AcceptInput): Outcome {
  const { invitation, appId, me } = input
  const mod = invitation.modality
  const step = new Step(new SceneDraft(before), input.now)
  const d = step.draft
  d.updateInvitation(invitation.id, { state: 'Connected', answeredAppId: appId })
  d.upsertMember({ ...me, state: 'connected' })
  const elsewhere = before.views.filter(
    (v) => v.userId === me.userId && v.appId !== appId && v.state === 'Incoming',
  )
  for (const v of elsewhere) d.removeView(v.appId)
  d.upsertView({
    ...view(before, appId, me.userId, 'Connected'),
    ...onlyIn(mod, 'Connected'),
    sinceSeq: input.mark,
    createdAt: input.now,
  })
  if (invitation.kind === 'modality') {
    const caller = viewOf(before, invitation.fromAppId)
    if (caller) d.upsertView({ ...caller, state: 'Connected', [mod]: 'Connected' })
  } else if (before.conversation.mode === 'escalating') {
    d.setMode('conference')
  }
  const scene = step.scene
  const answered = scene.invitations.find((i) => i.id === invitation.id) ?? invitation
  for (const v of elsewhere) {
    // Answered on another endpoint of the same user.
    const data = invitationDataOf(answered, scene, v.appId)
    step.send(
      v.appId,
      invitationEvent(data, 'updated'),
      invitationEvent(data, 'completed', 'ConnectedElsewhere'),
      conversationDeletedEvent(scene.conversation.id),
    )
  }
  if (invitation.kind === 'modality') twoPartyConnected(step, answered, appId)
  else joined(step, answered, appId)
  return step.outcome()
}

/** A startMessaging invitation accepted: both sides connected. */
function twoPartyConnected(step: Step, invitation: Invitation, appId: ApplicationId): void {
  const scene = step.scene
  const cid = scene.conversation.id
  const mod = invitation.modality
  const me = memberOf(scene, appId)
  const from = scene.members.find((m) => m.userId === invitation.fromUserId)
  const mine = viewOf(scene, appId)
  if (!me || !from || !mine) return
  const local = participantData(me, true)
  const theirs = participantData(from, false)
  step.cue(appId, mod, { type: 'state', state: 'Connected' })
  step.send(appId, conversationEvent(conversationDataOf(scene, mine), 'updated'))
  step.cue(appId, mod, { type: 'joined', participant: local })
  step.cue(appId, mod, { type: 'joined', participant: theirs })
  step.send(appId, invitationEvent(invitationDataOf(invitation, scene, appId), 'completed'))
  step.cue(appId, mod, { type: 'accepted', invitation, from })
  const callerView = viewOf(scene, invitation.fromAppId)
  if (!callerView) return
  const caller = invitation.fromAppId
  const accepted = participantData(me, false)
  step.send(
    caller,
    conversationEvent(conversationDataOf(scene, callerView), 'updated'),
    participantEvent(cid, accepted, 'added', false),
  )
  step.cue(caller, mod, { type: 'joined', participant: accepted })
  step.cue(caller, mod, { type: 'joined', participant: participantData(from, true) })
  step.cue(caller, mod, { type: 'state', state: 'Connected' })
  step.send(caller, invitationEvent(invitationDataOf(invitation, scene, caller), 'completed'))
}

/** An addParticipant invitation accepted: the newcomer joins, everyone connected sees it. */
function joined(step: Step, invitation: Invitation, appId: ApplicationId): void {
  const scene = step.scene
  const cid = scene.conversation.id
  const mod = invitation.modality
  const me = memberOf(scene, appId)
  const mine = viewOf(scene, appId)
  if (!me || !mine) return
  const others = roster(scene, mine).filter((m) => m.userId !== me.userId)
  step.cue(appId, mod, { type: 'state', state: 'Connected' })
  step.send(appId, conversationEvent(conversationDataOf(scene, mine), 'updated'))
  for (const m of others) {
    // The inviter was in the ringing view already.
    if (m.userId !== invitation.fromUserId)
      step.send(appId, participantEvent(cid, participantData(m, false), 'added', false))
  }
  step.cue(appId, mod, { type: 'joined', participant: participantData(me, true) })
  for (const m of others) step.cue(appId, mod, { type: 'joined', participant: participantData(m, false) })
  step.cue(appId, mod, { type: 'caughtUp', others })
  step.send(appId, invitationEvent(invitationDataOf(invitation, scene, appId), 'completed'))
  const from = scene.members.find((m) => m.userId === invitation.fromUserId)
  if (from) step.cue(appId, mod, { type: 'accepted', invitation, from })
  const newcomer = participantData(me, false)
  for (const v of scene.views) {
    if (v.state !== 'Connected' || v.appId === appId) continue
    step.send(v.appId, participantEvent(cid, newcomer, 'added', false))
    step.cue(v.appId, mod, { type: 'joined', participant: newcomer })
    step.send(v.appId, conversationEvent(conversationDataOf(scene, v), 'updated'))
    if (v.appId === invitation.fromAppId)
      step.send(v.appId, invitationEvent(invitationDataOf(invitation, scene, v.appId), 'completed'))
  }
}

/**
 * An invitation ends unanswered: decline, cancel (stopMessaging or DELETE while calling, or the
 * participantInvitation's cancel), no answer in time, or nobody left ringing
 * (TemporarilyUnavailable).
 */
export function endInvitation(
  scene: Scene,
  invitation: Invitation,
  reason: FailureReason,
  now: number,
): Outcome {
  const step = new Step(new SceneDraft(scene), now)
  end(step, invitation, reason)
  return step.outcome()
}

function end(step: Step, invitation: Invitation, reason: FailureReason): void {
  if (invitation.kind === 'modality') {
    fail(step, invitation, reason)
    return
  }
  if (failParticipant(step, invitation, reason)) {
    // It settled the escalation: the connected see Conferenced.
    const scene = step.scene
    for (const v of scene.views) {
      if (v.state === 'Connected')
        step.send(v.appId, conversationEvent(conversationDataOf(scene, v), 'updated'))
    }
  }
}

/**
 * A startMessaging invitation failed: the conversation ends for everyone in it. The caller took
 * part and, unless it canceled, did not end it itself, so it keeps the conversation readable,
 * Disconnected, as the endpoint a conversation ended under does (depart): clients GET the
 * invitation's conversation once it completes, whatever its status, and DELETE it
 * (kdembeck/WebChat InstantMessagingUtility.cs). Endpoints that were only rung keep nothing.
 */
function fail(step: Step, invitation: Invitation, reason: FailureReason): void {
  const d = step.draft
  d.updateInvitation(invitation.id, { state: 'Failed', reason })
  d.end(step.now)
  const before = step.scene
  for (const v of before.views) {
    if (v.appId === invitation.fromAppId && reason !== 'Canceled')
      d.upsertView({ ...v, state: 'Disconnected', ...allIn('Disconnected') })
    else d.removeView(v.appId)
  }
  const scene = step.scene
  const failed = scene.invitations.find((i) => i.id === invitation.id) ?? invitation
  for (const v of before.views) endedOn(step, v.appId, failed, scene, reason)
  step.failed(failed, reason)
  step.ended()
}

/**
 * An addParticipant invitation failed: it ends on the invitee's endpoints and for the inviter;
 * the conversation goes on. True when this settled a pending escalation (now Conferenced); the
 * caller tells the connected.
 */
function failParticipant(step: Step, invitation: Invitation, reason: FailureReason): boolean {
  const d = step.draft
  d.updateInvitation(invitation.id, { state: 'Failed', reason })
  const before = step.scene
  const invitee = before.members.find((m) => m.userId === invitation.toUserId)
  if (invitee?.state === 'invited') d.upsertMember({ ...invitee, state: 'left' })
  const settles = before.conversation.mode === 'escalating'
  if (settles) d.setMode('conference')
  const ringing = before.views.filter((v) => v.userId === invitation.toUserId && v.state === 'Incoming')
  for (const v of ringing) d.removeView(v.appId)
  const scene = step.scene
  const failed = scene.invitations.find((i) => i.id === invitation.id) ?? invitation
  for (const v of ringing) endedOn(step, v.appId, failed, scene, reason)
  // The inviter may have left since (its view is gone) but still hears how its invitation ended.
  step.sendUnlessGone(
    invitation.fromAppId,
    invitationEvent(invitationDataOf(failed, scene, invitation.fromAppId), 'completed', reason),
  )
  step.failed(failed, reason)
  return settles
}

// What an endpoint that was rung (or calling) hears when its invitation failed: the invitation
// completed with the reason, its modality Disconnected, the conversation gone from its view.
function endedOn(
  step: Step,
  appId: ApplicationId,
  failed: Invitation,
  scene: Scene,
  reason: FailureReason,
): void {
  step.send(appId, invitationEvent(invitationDataOf(failed, scene, appId), 'completed', reason))
  step.cue(appId, failed.modality, { type: 'state', state: 'Disconnected' })
  step.send(appId, conversationDeletedEvent(scene.conversation.id))
}

// ---- leaving ----------------------------------------------------------------------------------

export interface LeaveInput {
  /** The leaving endpoint; it has a view of the conversation. */
  readonly appId: ApplicationId
  readonly who: Party
  /**
   * Set when the endpoint went away (its application deleted or expired) rather than chose to
   * leave: whether another endpoint of its user still rings live for the same invitation.
   */
  readonly gone?: { readonly othersRinging: boolean } | undefined
  readonly now: number
}

/**
 * stopMessaging / DELETE conversation / an endpoint gone: ringing, that is a decline (gone: it
 * only stops ringing there); still calling, a cancel; connected, the endpoint departs and the
 * others go on while at least two remain; ended already, the endpoint forgets it, quietly.
 */
export function leave(scene: Scene, input: LeaveInput): Outcome {
  const step = new Step(new SceneDraft(scene), input.now)
  const mine = viewOf(scene, input.appId)
  if (!mine) return step.outcome()
  if (mine.state === 'Disconnected') {
    step.draft.removeView(input.appId)
    return step.outcome()
  }
  const pending = scene.invitations.filter((i) => i.state === 'Connecting')
  if (mine.state === 'Incoming') {
    const invitation = pending.find((i) => i.toUserId === input.who.userId)
    if (invitation && input.gone) {
      stopRinging(step, invitation, input.appId, input.gone.othersRinging)
      return step.outcome()
    }
    if (invitation) {
      end(step, invitation, 'Declined')
      return step.outcome()
    }
  }
  if (mine.state === 'Connecting') {
    const invitation = pending.find((i) => i.fromAppId === input.appId && i.kind === 'modality')
    if (invitation) {
      end(step, invitation, 'Canceled')
      return step.outcome()
    }
  }
  depart(step, mine, input.who)
  return step.outcome()
}

/** The user's other endpoints still ringing in the conversation (whether they are live is the caller's to say). */
export function ringingElsewhere(scene: Scene, appId: ApplicationId, userId: UserId): View[] {
  return scene.views.filter((v) => v.appId !== appId && v.userId === userId && v.state === 'Incoming')
}

/**
 * A ringing endpoint went away (deleted or expired) without answering. As with Lync's forking,
 * only that fork ends: the invitation rings on at the invitee's other live endpoints, and no
 * one is told (nothing reaches a deleted or expired application, and nothing the others read
 * changed). Once none is left ringing, the invitee could not be reached after all: the
 * invitation fails with TemporarilyUnavailable, as when nobody could be rung at all (a missed
 * conversation for the invitee, like NoAnswer). Not a decline: nobody declined.
 */
function stopRinging(step: Step, invitation: Invitation, appId: ApplicationId, othersRinging: boolean): void {
  step.draft.removeView(appId)
  if (!othersRinging) end(step, invitation, 'TemporarilyUnavailable')
}

/** A connected endpoint leaves; the conversation ends when fewer than two participants remain. */
function depart(step: Step, mine: View, who: Party): void {
  const d = step.draft
  const before = step.scene
  const cid = before.conversation.id
  const modalities = activeIn(mine)
  // Out first, so what it is told about its own invitations links nothing of the conversation.
  d.removeView(mine.appId)
  // Invitations this endpoint sent that nobody answered yet end with it.
  for (const invitation of before.invitations) {
    if (invitation.state === 'Connecting' && invitation.fromAppId === mine.appId)
      failParticipant(step, invitation, 'Canceled')
  }
  const me = before.members.find((m) => m.userId === who.userId)
  if (me) d.upsertMember({ ...me, state: 'left' })
  const after = step.scene
  unlinked(step, before, after, mine.appId, who.userId)
  for (const mod of modalities) step.cue(mine.appId, mod, { type: 'state', state: 'Disconnected' })
  step.send(mine.appId, conversationDeletedEvent(cid))
  const remaining = after.views.filter((v) => v.state === 'Connected')
  const leaver: ParticipantData = participantData(me ?? who, false)
  const ends = new Set(remaining.map((v) => v.userId)).size < 2
  for (const other of remaining) {
    for (const mod of modalities.filter((m) => other[m] !== 'Disconnected'))
      step.cue(other.appId, mod, { type: 'left', participant: leaver, userId: who.userId })
    step.send(other.appId, participantEvent(cid, leaver, 'deleted', false))
    if (!ends) step.send(other.appId, conversationEvent(conversationDataOf(after, other), 'updated'))
  }
  step.left(who.userId)
  if (!ends) return
  // Fewer than two left: invitations still ringing are withdrawn and the conversation ends.
  for (const invitation of after.invitations) {
    if (invitation.state === 'Connecting') failParticipant(step, invitation, 'Canceled')
  }
  for (const other of remaining) {
    // Ended under it, the endpoint keeps the conversation readable, Disconnected (read-models.ts).
    d.upsertView({ ...other, state: 'Disconnected', ...allIn('Disconnected') })
    for (const mod of activeIn(other))
      step.cue(other.appId, mod, { type: 'state', state: 'Disconnected', reason: 'Ended' })
    step.send(other.appId, conversationDeletedEvent(cid))
  }
  d.end(step.now)
  step.ended(after.conversation)
}

/**
 * The invitations `appId` reads that linked the conversation before it left and no longer do
 * (its own, and the one that brought its user in): `updated`, since their GET changed. Those that
 * ended in this step were already told with `completed`.
 */
function unlinked(step: Step, before: Scene, after: Scene, appId: ApplicationId, userId: UserId): void {
  for (const invitation of after.invitations) {
    const readable = invitation.fromAppId === appId || invitation.toUserId === userId
    const was = before.invitations.find((i) => i.id === invitation.id)
    if (!readable || was?.state !== invitation.state) continue
    if (invitationDataOf(invitation, before, appId).detached) continue
    step.send(appId, invitationEvent(invitationDataOf(invitation, after, appId), 'updated'))
  }
}
