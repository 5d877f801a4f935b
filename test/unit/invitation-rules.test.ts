// The conversation lifecycle's pure rules (src/domain/conversations/invitation-rules.ts): every
// transition's store changes, its events per application in order (with the modality's cues where
// its events go) and its notes for the observers — without a store or a server. Also the corners
// the HTTP tests cannot reach (a caller whose view is gone, a ringing view with no pending
// invitation, an inviter whose application went away).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type {
  Conversation,
  Invitation,
  Member,
  Scene,
  View,
} from '../../src/domain/conversations/conversation-types.ts'
import * as rules from '../../src/domain/conversations/invitation-rules.ts'
import type { Effect, Outcome } from '../../src/domain/conversations/outcome.ts'
import { type ApplicationId, asApplicationId, asUserId, type UserId } from '../../src/domain/ids.ts'

const NOW = 1_000_000
const CID = 'c1'

interface Person {
  readonly userId: UserId
  readonly uri: string
  readonly name: string
}
const person = (name: string): Person => ({
  userId: asUserId(`u-${name}`),
  uri: `sip:${name}@example.test`,
  name: name[0]?.toUpperCase() + name.slice(1),
})
const alice = person('alice')
const bob = person('bob')
const carol = person('carol')
const app = (id: string): ApplicationId => asApplicationId(id)
const A1 = app('a1')
const B1 = app('b1')
const B2 = app('b2')
const C1 = app('c1')

const member = (p: Person, state: Member['state'], joinedAt = NOW): Member => ({
  conversationId: CID,
  ...p,
  state,
  joinedAt,
})

const conversation = (fields: Partial<Conversation> = {}): Conversation => ({
  id: CID,
  threadId: 't1',
  subject: 'Plans',
  importance: 'Normal',
  mode: 'p2p',
  createdAt: NOW,
  endedAt: null,
  ...fields,
})

const invitation = (
  id: string,
  from: Person,
  fromApp: ApplicationId,
  to: Person | undefined,
  at = NOW,
): Invitation => ({
  id,
  kind: 'modality',
  modality: 'messaging',
  conversationId: CID,
  fromUserId: from.userId,
  fromAppId: fromApp,
  toUri: to?.uri ?? 'sip:nobody@example.test',
  toUserId: to?.userId ?? null,
  operationId: 'op-1',
  message: { contentType: 'text/plain', body: 'Hi' },
  state: 'Connecting',
  reason: null,
  answeredAppId: null,
  createdAt: at,
  expiresAt: at + 30_000,
})

/** alice (a1) calls bob, ringing at `endpoints`. */
function started(endpoints: readonly ApplicationId[] = [B1, B2], mark = 7): Outcome {
  return rules.start({
    conversation: conversation(),
    from: member(alice, 'connected'),
    callerAppId: A1,
    invitation: invitation('i1', alice, A1, bob),
    failure: undefined,
    invitee: member(bob, 'invited'),
    ringing: endpoints,
    mark,
    now: NOW,
  })
}

/** alice and bob connected (bob on b1), both two-party. */
function connected(): Scene {
  const ringing = started([B1]).scene
  const i1 = ringing.invitations[0] as Invitation
  return rules.accept(ringing, {
    invitation: i1,
    appId: B1,
    me: member(bob, 'invited'),
    mark: 9,
    now: NOW + 1,
  }).scene
}

/** alice adds carol (c1) into the connected conversation. */
function inviting(scene = connected(), at = NOW + 2): Outcome {
  return rules.addParticipant(scene, {
    invitation: { ...invitation('i2', alice, A1, carol, at), kind: 'participant', message: null },
    failure: undefined,
    invitee: member(carol, 'invited', at),
    ringing: [C1],
    now: at,
  })
}

/** alice, bob and carol connected: a conference. */
function conference(): Scene {
  const asked = inviting().scene
  const i2 = asked.invitations.find((i) => i.id === 'i2') as Invitation
  return rules.accept(asked, {
    invitation: i2,
    appId: C1,
    me: member(carol, 'invited', NOW + 2),
    mark: 11,
    now: NOW + 3,
  }).scene
}

// ---- reading outcomes ------------------------------------------------------------------------

/** What `to` is told, in order: `rel type[ status][ reason][ in rel]`, or `messaging:<cue>`. */
function told(outcome: Outcome, to: ApplicationId): string[] {
  const out: string[] = []
  for (const e of outcome.effects) {
    if (!('to' in e) || e.to !== to) continue
    if ('event' in e) {
      const ev = e.event
      out.push(
        [
          `${ev.link.rel} ${ev.type}`,
          ev.status,
          ev.reason?.subcode,
          ev.in ? `in ${ev.in.rel}` : undefined,
          e.unlessGone ? '(unless gone)' : undefined,
        ]
          .filter(Boolean)
          .join(' '),
      )
    } else out.push(`${e.modality}:${cueText(e.cue)}`)
  }
  return out
}

function cueText(cue: Extract<Effect, { cue: unknown }>['cue']): string {
  switch (cue.type) {
    case 'state':
      return `state ${cue.state}${cue.reason ? ` ${cue.reason}` : ''}`
    case 'joined':
      return `joined ${cue.participant.local ? 'local ' : ''}${cue.participant.uri}`
    case 'left':
      return `left ${cue.participant.uri}`
    case 'caughtUp':
      return `caughtUp ${cue.others.map((m) => m.uri).join(',')}`
    case 'accepted':
      return `accepted ${cue.invitation.id}`
  }
}

const notes = (outcome: Outcome): string[] =>
  outcome.effects.flatMap((e) =>
    'note' in e ? [e.note === 'invitationFailed' ? `invitationFailed ${e.reason}` : e.note] : [],
  )

const recipients = (outcome: Outcome): string[] => [
  ...new Set(outcome.effects.flatMap((e) => ('to' in e ? [e.to as string] : []))),
]

const ops = (outcome: Outcome): string[] => outcome.changes.map((c) => c.op)

const viewsOf = (scene: Scene): string[] =>
  scene.views.map((v: View) => `${v.appId}:${v.state}/${v.messaging}`)

const membersOf = (scene: Scene): string[] => scene.members.map((m) => `${m.name}:${m.state}`)

const state = (scene: Scene, id: string): string => {
  const i = scene.invitations.find((x) => x.id === id)
  return `${i?.state}${i?.reason ? ` ${i.reason}` : ''}`
}

const embedded = (outcome: Outcome, to: ApplicationId, rel: string, type: string): any => {
  const found = outcome.effects.find(
    (e) => 'event' in e && e.to === to && e.event.link.rel === rel && e.event.type === type,
  )
  return found && 'event' in found ? found.event.embedded : undefined
}

// ---- starting ---------------------------------------------------------------------------------

describe('start', () => {
  it('calls from the caller and rings every endpoint of the invitee', () => {
    const out = started()
    assert.deepEqual(ops(out), [
      'createConversation',
      'upsertMember',
      'createInvitation',
      'upsertView',
      'upsertMember',
      'upsertView',
      'upsertView',
    ])
    assert.deepEqual(told(out, A1), [
      'messagingInvitation started',
      'conversation added',
      'localParticipant added',
      'messaging:state Connecting',
    ])
    for (const b of [B1, B2]) {
      assert.deepEqual(told(out, b), [
        'messagingInvitation started',
        'conversation added',
        'localParticipant added',
        'participant added',
      ])
    }
    assert.deepEqual(viewsOf(out.scene), [
      'a1:Connecting/Connecting',
      'b1:Incoming/Connecting',
      'b2:Incoming/Connecting',
    ])
    assert.equal(out.scene.views[0]?.sinceSeq, 7, 'the caller reads what comes after the mark')
    assert.deepEqual(membersOf(out.scene), ['Alice:connected', 'Bob:invited'])
    assert.deepEqual(notes(out), [])
    // The caller is told the conversation as it starts: itself only, calling.
    const added = embedded(out, A1, 'conversation', 'added')
    assert.deepEqual([added.state, added.participantCount, added.activeModalities], ['Connecting', 1, []])
    const ringing = embedded(out, B1, 'conversation', 'added')
    assert.deepEqual(
      [ringing.state, ringing.participantCount, ringing.activeModalities],
      ['Incoming', 2, ['Messaging']],
    )
    assert.equal(embedded(out, B1, 'messagingInvitation', 'started').direction, 'Incoming')
  })

  it('fails at once when nobody can be rung; the caller keeps the conversation, ended', () => {
    for (const failure of ['TemporarilyUnavailable', 'DestinationNotFound'] as const) {
      const out = rules.start({
        conversation: conversation({ endedAt: NOW }),
        from: member(alice, 'connected'),
        callerAppId: A1,
        invitation: invitation('i1', alice, A1, failure === 'DestinationNotFound' ? undefined : bob),
        failure,
        invitee: failure === 'DestinationNotFound' ? undefined : member(bob, 'invited'),
        ringing: [],
        mark: 0,
        now: NOW,
      })
      assert.deepEqual(told(out, A1), [
        'messagingInvitation started',
        'conversation added',
        'localParticipant added',
        'messaging:state Connecting',
        `messagingInvitation completed Failure ${failure}`,
        'messaging:state Disconnected',
        'conversation deleted',
      ])
      assert.deepEqual(recipients(out), ['a1'])
      assert.deepEqual(notes(out), [`invitationFailed ${failure}`, 'conversationEnded'])
      assert.deepEqual(viewsOf(out.scene), ['a1:Disconnected/Disconnected'])
      assert.deepEqual(membersOf(out.scene), ['Alice:connected'], 'the invitee never became a member')
      assert.equal(state(out.scene, 'i1'), `Failed ${failure}`)
      // The failed invitation still links the ended conversation for the caller.
      const completed = embedded(out, A1, 'messagingInvitation', 'completed')
      assert.equal(completed.detached, undefined)
      assert.equal(completed.actionable, false)
    }
  })
})

// ---- answering --------------------------------------------------------------------------------

describe('accept', () => {
  it('connects both sides; the invitee’s other endpoints hear ConnectedElsewhere', () => {
    const ringing = started().scene
    const i1 = ringing.invitations[0] as Invitation
    const out = rules.accept(ringing, {
      invitation: i1,
      appId: B1,
      me: member(bob, 'invited'),
      mark: 9,
      now: NOW + 1,
    })
    assert.deepEqual(told(out, B1), [
      'messaging:state Connected',
      'conversation updated',
      'messaging:joined local sip:bob@example.test',
      'messaging:joined sip:alice@example.test',
      'messagingInvitation completed Success',
      'messaging:accepted i1',
    ])
    assert.deepEqual(told(out, B2), [
      'messagingInvitation updated',
      'messagingInvitation completed Failure ConnectedElsewhere',
      'conversation deleted',
    ])
    assert.deepEqual(told(out, A1), [
      'conversation updated',
      'participant added',
      'messaging:joined sip:bob@example.test',
      'messaging:joined local sip:alice@example.test',
      'messaging:state Connected',
      'messagingInvitation completed Success',
    ])
    assert.deepEqual(viewsOf(out.scene), ['a1:Connected/Connected', 'b1:Connected/Connected'])
    assert.equal(out.scene.views[1]?.sinceSeq, 9, 'the accepting endpoint reads from the mark on')
    assert.equal(out.scene.views[1]?.createdAt, NOW, 'an upsert keeps when the view was made')
    assert.deepEqual(membersOf(out.scene), ['Alice:connected', 'Bob:connected'])
    assert.equal(out.scene.invitations[0]?.answeredAppId, B1)
    assert.equal(embedded(out, B2, 'messagingInvitation', 'completed').state, 'Failed')
    assert.equal(embedded(out, A1, 'messagingInvitation', 'completed').acceptedBy.uri, bob.uri)
    assert.deepEqual(notes(out), [])
  })

  it('tells only the accepting endpoint when the caller’s view is gone', () => {
    const ringing = started([B1]).scene
    const callerGone: Scene = { ...ringing, views: ringing.views.filter((v) => v.appId !== A1) }
    const i1 = ringing.invitations[0] as Invitation
    const out = rules.accept(callerGone, {
      invitation: i1,
      appId: B1,
      me: member(bob, 'invited'),
      mark: 0,
      now: NOW,
    })
    assert.deepEqual(recipients(out), ['b1'])
  })

  it('joins an added participant: Conferenced for everyone, the newcomer sees who is there', () => {
    const asked = inviting().scene
    const i2 = asked.invitations.find((i) => i.id === 'i2') as Invitation
    const out = rules.accept(asked, {
      invitation: i2,
      appId: C1,
      me: member(carol, 'invited'),
      mark: 11,
      now: NOW + 3,
    })
    assert.deepEqual(told(out, C1), [
      'messaging:state Connected',
      'conversation updated',
      // alice invited carol, so carol saw her while ringing; bob is new to her.
      'participant added',
      'messaging:joined local sip:carol@example.test',
      'messaging:joined sip:alice@example.test',
      'messaging:joined sip:bob@example.test',
      'messaging:caughtUp sip:alice@example.test,sip:bob@example.test',
      'messagingInvitation completed Success',
      'messaging:accepted i2',
    ])
    assert.deepEqual(told(out, A1), [
      'participant added',
      'messaging:joined sip:carol@example.test',
      'conversation updated',
      'participantInvitation completed Success',
    ])
    assert.deepEqual(told(out, B1), [
      'participant added',
      'messaging:joined sip:carol@example.test',
      'conversation updated',
    ])
    assert.equal(out.scene.conversation.mode, 'conference')
    assert.equal(embedded(out, B1, 'conversation', 'updated').state, 'Conferenced')
    assert.equal(embedded(out, B1, 'conversation', 'updated').participantCount, 3)
  })
})

describe('addParticipant', () => {
  it('escalates a two-party conversation (Conferencing) and rings the invitee', () => {
    const out = inviting()
    assert.deepEqual(told(out, A1), ['participantInvitation started', 'conversation updated'])
    assert.deepEqual(told(out, B1), ['conversation updated'])
    assert.deepEqual(told(out, C1), [
      'messagingInvitation started',
      'conversation added',
      'localParticipant added',
      'participant added',
    ])
    assert.equal(out.scene.conversation.mode, 'escalating')
    assert.equal(embedded(out, B1, 'conversation', 'updated').state, 'Conferencing')
    assert.deepEqual(ops(out), ['createInvitation', 'upsertMember', 'setMode', 'upsertView'])
  })

  it('does not escalate again once a conference', () => {
    const dave = person('dave')
    const out = rules.addParticipant(conference(), {
      invitation: { ...invitation('i3', bob, B1, dave, NOW + 4), kind: 'participant', message: null },
      failure: undefined,
      invitee: member(dave, 'invited', NOW + 4),
      ringing: [app('d1')],
      now: NOW + 4,
    })
    assert.deepEqual(told(out, B1), ['participantInvitation started'])
    assert.deepEqual(told(out, A1), [])
  })

  it('fails at once when nobody can be rung; the conversation does not change', () => {
    const scene = connected()
    const out = rules.addParticipant(scene, {
      invitation: { ...invitation('i2', alice, A1, carol, NOW + 2), kind: 'participant', message: null },
      failure: 'TemporarilyUnavailable',
      invitee: member(carol, 'invited'),
      ringing: [],
      now: NOW + 2,
    })
    assert.deepEqual(told(out, A1), [
      'participantInvitation started',
      'participantInvitation completed Failure TemporarilyUnavailable',
    ])
    assert.deepEqual(ops(out), ['createInvitation'])
    assert.equal(out.scene.conversation.mode, 'p2p')
    assert.deepEqual(notes(out), ['invitationFailed TemporarilyUnavailable'])
  })
})

// ---- ending unanswered ------------------------------------------------------------------------

describe('endInvitation', () => {
  it('declined, unanswered or unreachable: everyone hears it end; the caller keeps it, ended', () => {
    for (const reason of ['Declined', 'NoAnswer', 'TemporarilyUnavailable'] as const) {
      const ringing = started().scene
      const out = rules.endInvitation(ringing, ringing.invitations[0] as Invitation, reason, NOW + 30_000)
      for (const a of [A1, B1, B2]) {
        assert.deepEqual(told(out, a), [
          `messagingInvitation completed Failure ${reason}`,
          'messaging:state Disconnected',
          'conversation deleted',
        ])
      }
      assert.deepEqual(viewsOf(out.scene), ['a1:Disconnected/Disconnected'])
      assert.equal(out.scene.conversation.endedAt, NOW + 30_000)
      assert.deepEqual(notes(out), [`invitationFailed ${reason}`, 'conversationEnded'])
      assert.equal(embedded(out, B1, 'messagingInvitation', 'completed').detached, true)
      assert.equal(embedded(out, A1, 'messagingInvitation', 'completed').detached, undefined)
    }
  })

  it('canceled by the caller: nobody keeps the conversation', () => {
    const ringing = started().scene
    const out = rules.endInvitation(ringing, ringing.invitations[0] as Invitation, 'Canceled', NOW)
    assert.deepEqual(viewsOf(out.scene), [])
    assert.equal(embedded(out, A1, 'messagingInvitation', 'completed').detached, true)
  })

  it('an added participant’s: the invitee stops ringing, the inviter hears it, the escalation settles', () => {
    const asked = inviting().scene
    const out = rules.endInvitation(
      asked,
      asked.invitations.find((i) => i.id === 'i2') as Invitation,
      'Declined',
      NOW + 5,
    )
    assert.deepEqual(told(out, C1), [
      'messagingInvitation completed Failure Declined',
      'messaging:state Disconnected',
      'conversation deleted',
    ])
    assert.deepEqual(told(out, A1), [
      'participantInvitation completed Failure Declined (unless gone)',
      'conversation updated',
    ])
    assert.deepEqual(told(out, B1), ['conversation updated'])
    assert.equal(embedded(out, B1, 'conversation', 'updated').state, 'Conferenced')
    assert.deepEqual(membersOf(out.scene), ['Alice:connected', 'Bob:connected', 'Carol:left'])
    assert.equal(out.scene.conversation.endedAt, null, 'the conversation goes on')
    assert.deepEqual(notes(out), ['invitationFailed Declined'])
  })

  it('an added participant’s once the conference settled: no second Conferenced', () => {
    const dave = person('dave')
    const asked = rules.addParticipant(conference(), {
      invitation: { ...invitation('i3', bob, B1, dave, NOW + 4), kind: 'participant', message: null },
      failure: undefined,
      invitee: member(dave, 'invited', NOW + 4),
      ringing: [app('d1')],
      now: NOW + 4,
    }).scene
    const out = rules.endInvitation(
      asked,
      asked.invitations.find((i) => i.id === 'i3') as Invitation,
      'NoAnswer',
      NOW,
    )
    assert.deepEqual(told(out, A1), [])
    assert.deepEqual(told(out, B1), ['participantInvitation completed Failure NoAnswer (unless gone)'])
  })
})

// ---- leaving ----------------------------------------------------------------------------------

const who = (p: Person) => ({ userId: p.userId, uri: p.uri, name: p.name })

describe('leave', () => {
  it('while ringing is a decline', () => {
    const out = rules.leave(started().scene, { appId: B1, who: who(bob), now: NOW })
    assert.equal(state(out.scene, 'i1'), 'Failed Declined')
  })

  it('while calling is a cancel', () => {
    const out = rules.leave(started().scene, { appId: A1, who: who(alice), now: NOW })
    assert.equal(state(out.scene, 'i1'), 'Failed Canceled')
    assert.deepEqual(viewsOf(out.scene), [])
  })

  it('a ringing endpoint gone while another still rings: only it stops, nobody is told', () => {
    const out = rules.leave(started().scene, {
      appId: B1,
      who: who(bob),
      gone: { othersRinging: true },
      now: NOW,
    })
    assert.deepEqual(ops(out), ['removeView'])
    assert.deepEqual(out.effects, [])
    assert.equal(state(out.scene, 'i1'), 'Connecting')
  })

  it('the last ringing endpoint gone: TemporarilyUnavailable', () => {
    const out = rules.leave(started([B1]).scene, {
      appId: B1,
      who: who(bob),
      gone: { othersRinging: false },
      now: NOW,
    })
    assert.equal(state(out.scene, 'i1'), 'Failed TemporarilyUnavailable')
    assert.deepEqual(told(out, B1), [], 'the endpoint that went hears nothing')
    assert.deepEqual(told(out, A1), [
      'messagingInvitation completed Failure TemporarilyUnavailable',
      'messaging:state Disconnected',
      'conversation deleted',
    ])
    assert.deepEqual(notes(out), ['invitationFailed TemporarilyUnavailable', 'conversationEnded'])
  })

  it('two-party: the conversation ends under the other, which keeps it, ended', () => {
    const out = rules.leave(connected(), { appId: A1, who: who(alice), now: NOW + 9 })
    assert.deepEqual(told(out, A1), [
      'messagingInvitation updated',
      'messaging:state Disconnected',
      'conversation deleted',
    ])
    assert.deepEqual(told(out, B1), [
      'messaging:left sip:alice@example.test',
      'participant deleted',
      'messaging:state Disconnected Ended',
      'conversation deleted',
    ])
    assert.deepEqual(viewsOf(out.scene), ['b1:Disconnected/Disconnected'])
    assert.deepEqual(membersOf(out.scene), ['Alice:left', 'Bob:connected'])
    assert.equal(out.scene.conversation.endedAt, NOW + 9)
    assert.deepEqual(notes(out), ['memberLeft', 'conversationEnded'])
    assert.equal(embedded(out, A1, 'messagingInvitation', 'updated').detached, true)
  })

  it('a conference goes on while two remain; the leaver’s ringing invitations are withdrawn', () => {
    const dave = person('dave')
    const D1 = app('d1')
    const asked = rules.addParticipant(conference(), {
      invitation: { ...invitation('i3', carol, C1, dave, NOW + 4), kind: 'participant', message: null },
      failure: undefined,
      invitee: member(dave, 'invited', NOW + 4),
      ringing: [D1],
      now: NOW + 4,
    }).scene
    const out = rules.leave(asked, { appId: C1, who: who(carol), now: NOW + 5 })
    assert.equal(state(out.scene, 'i3'), 'Failed Canceled')
    assert.deepEqual(told(out, D1), [
      'messagingInvitation completed Failure Canceled',
      'messaging:state Disconnected',
      'conversation deleted',
    ])
    assert.deepEqual(told(out, C1), [
      'participantInvitation completed Failure Canceled (unless gone)',
      'messagingInvitation updated',
      'messaging:state Disconnected',
      'conversation deleted',
    ])
    for (const a of [A1, B1]) {
      assert.deepEqual(told(out, a), [
        'messaging:left sip:carol@example.test',
        'participant deleted',
        'conversation updated',
      ])
    }
    assert.equal(embedded(out, A1, 'conversation', 'updated').participantCount, 2)
    assert.equal(out.scene.conversation.endedAt, null)
    assert.deepEqual(notes(out), ['invitationFailed Canceled', 'memberLeft'])
  })

  it('the one left alone: someone else’s ringing invitation is withdrawn and the conversation ends', () => {
    const asked = inviting().scene
    const out = rules.leave(asked, { appId: B1, who: who(bob), now: NOW + 5 })
    assert.equal(state(out.scene, 'i2'), 'Failed Canceled')
    assert.deepEqual(told(out, A1), [
      'messaging:left sip:bob@example.test',
      'participant deleted',
      'participantInvitation completed Failure Canceled (unless gone)',
      'messaging:state Disconnected Ended',
      'conversation deleted',
    ])
    assert.deepEqual(told(out, C1), [
      'messagingInvitation completed Failure Canceled',
      'messaging:state Disconnected',
      'conversation deleted',
    ])
    assert.deepEqual(notes(out), ['memberLeft', 'invitationFailed Canceled', 'conversationEnded'])
  })

  it('an ended view is forgotten, quietly', () => {
    const ended = rules.leave(connected(), { appId: A1, who: who(alice), now: NOW }).scene
    const out = rules.leave(ended, { appId: B1, who: who(bob), now: NOW })
    assert.deepEqual(ops(out), ['removeView'])
    assert.deepEqual(out.effects, [])
  })

  it('a ringing endpoint with nothing pending departs (not reached over HTTP)', () => {
    const ringing = started([B1]).scene
    const stale: Scene = { ...ringing, invitations: [] }
    const out = rules.leave(stale, { appId: B1, who: who(bob), now: NOW })
    assert.deepEqual(told(out, B1), ['messaging:state Disconnected', 'conversation deleted'])
  })

  it('asks the caller which endpoints still ring elsewhere', () => {
    assert.deepEqual(
      rules.ringingElsewhere(started().scene, B1, bob.userId).map((v) => v.appId),
      [B2],
    )
  })
})
