// Carries out what the invitation rules decided, inside the change's transaction: the store
// changes first, in order, then the effects in order — events into the outbox, each cue turned
// into its modality's events, notes to the modalities and the observer (which read the store as
// the change left it).
import type { Application } from '../applications/application-types.ts'
import type { Outbox } from '../events/outbox.ts'
import type { ApplicationId } from '../ids.ts'
import type { ConversationObserver, Tx } from './conversation-observer.ts'
import type { ConversationStore } from './conversation-store.ts'
import type { Modality } from './conversation-types.ts'
import type { ConversationModality, CueContext } from './modality.ts'
import type { Effect, Outcome } from './outcome.ts'
import type { Change } from './scene-draft.ts'

export interface OutcomeParties {
  readonly modalities: Readonly<Record<Modality, ConversationModality>>
  readonly observer: ConversationObserver
}

/** `caller`: the application making the change, already in hand (its cues cost no read). */
export async function applyOutcome(
  tx: Tx,
  outbox: Outbox,
  outcome: Outcome,
  parties: OutcomeParties,
  caller?: Application,
): Promise<void> {
  const cid = outcome.scene.conversation.id
  for (const change of outcome.changes) await write(tx.conversations, cid, change)
  const known = new Map<ApplicationId, Application | undefined>(caller ? [[caller.id, caller]] : [])
  const context: CueContext = {
    tx,
    conversationId: cid,
    async application(id) {
      if (!known.has(id)) known.set(id, await tx.applications.find(id))
      return known.get(id)
    },
  }
  for (const effect of outcome.effects) await carryOut(context, outbox, effect, parties)
}

async function carryOut(context: CueContext, outbox: Outbox, effect: Effect, parties: OutcomeParties) {
  const cid = context.conversationId
  if ('event' in effect) {
    if (!effect.unlessGone || (await context.application(effect.to))) outbox.add(effect.to, effect.event)
    return
  }
  if ('cue' in effect) {
    const events = await parties.modalities[effect.modality].render(context, effect.to, effect.cue)
    if (events.length > 0) outbox.add(effect.to, ...events)
    return
  }
  const modalities = Object.values(parties.modalities)
  switch (effect.note) {
    case 'memberLeft':
      for (const m of modalities) m.memberLeft(cid, effect.userId)
      return
    case 'invitationFailed':
      return parties.observer.invitationFailed(
        context.tx,
        outbox,
        effect.invitation,
        effect.conversation,
        effect.reason,
      )
    case 'conversationEnded':
      for (const m of modalities) m.ended(cid)
      return parties.observer.conversationEnded(context.tx, outbox, effect.conversation)
  }
}

function write(store: ConversationStore, cid: string, change: Change): Promise<void> {
  switch (change.op) {
    case 'createConversation':
      return store.createConversation(change.conversation)
    case 'setMode':
      return store.setConversationMode(cid, change.mode)
    case 'end':
      return store.endConversation(cid, change.at)
    case 'upsertMember':
      return store.upsertMember(change.member)
    case 'upsertView':
      return store.upsertView(change.view)
    case 'removeView':
      return store.removeView(cid, change.appId)
    case 'createInvitation':
      return store.createInvitation(change.invitation)
    case 'updateInvitation':
      return store.updateInvitation(change.id, change.change)
  }
}
