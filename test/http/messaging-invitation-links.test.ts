// What an invitation links once it has ended (issue 14: never advertise a link whose resource does
// not answer), in its events and on GET, driven the way public clients follow those links. A
// caller whose startMessaging failed keeps its conversation, ended; every other endpoint that no
// longer has the conversation gets invitations that link nothing of it. Real HTTP.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import {
  acceptIncoming,
  addAndJoin,
  addParticipant,
  assertLinksAnswer,
  connect,
  drainEvents,
  next,
  sip,
  startMessaging,
  withAvailableUsers,
} from '../helpers/messaging.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { available, availableAll, type Client, openApp, signedInApp } from '../helpers/ucwa-client.ts'

/** What a detached invitation keeps: nothing of the conversation (the first message is a data URI). */
const DETACHED = ['self', 'to']

/** The link rels of a resource, sorted, data URIs left out. */
const rels = (resource: any): string[] =>
  Object.entries(resource._links)
    .filter(([, l]) => !(l as { href: string }).href.startsWith('data:'))
    .map(([rel]) => rel)
    .sort()

/** The first event of `rel` (and `type`) among `events`. */
const eventOf = (events: readonly any[], rel: string, type: string): any =>
  events.find((e) => e.link.rel === rel && e.type === type)

/**
 * An invitation as a client holds it (from an event or a GET): every link it has answers (actions
 * are POSTed, not fetched), and so does every link of what it embeds.
 */
async function assertAllAnswer(c: Client, invitation: any): Promise<void> {
  await assertLinksAnswer(c, invitation, ['accept', 'decline', 'cancel'])
  for (const embedded of Object.values(invitation._embedded ?? {}))
    for (const p of Array.isArray(embedded) ? embedded : [embedded]) await assertLinksAnswer(c, p)
}

describe('an IM bot that cleans up after every invitation (kdembeck/WebChat)', () => {
  let t: TestServer
  let engine: Client
  let agent: Client
  let offline: Client
  before(async () => {
    t = await startTestServer()
    engine = await signedInApp(t, 'alice')
    agent = await signedInApp(t, 'bob')
    offline = await signedInApp(t, 'carol') // signed in, never made available
    await availableAll(engine, agent)
  })
  after(() => t.stop())

  /**
   * source/KDembeck.ChatEngine/ChatEngine/InstantMessagingUtility.cs: sendInstantMessageToAgent
   * POSTs startMessaging with a GUID operationId and the text as its first message.
   */
  async function sendToAgent(to: string): Promise<{ location: string; operationId: string }> {
    const operationId = randomUUID()
    const location = await startMessaging(engine, to, 'A customer is waiting', {
      operationId,
      subject: 'Chat request',
    })
    return { location, operationId }
  }

  /**
   * Its Handle_OnMessagingInvitationCompleted: for the completed messagingInvitation with one of
   * its operationIds — whatever the status — getConversationResource() GETs the invitation's
   * `conversation` link, then Delete() DELETEs the conversation's `self`.
   * (MessagingInvitationResource.getConversationResource() returns null without the link, and
   * Delete() on that null throws in an async void handler, which ends the process.)
   */
  async function cleanUp(operationId: string): Promise<{ completed: any; conversation: any }> {
    let completed: any
    for (let empty = 0; !completed && empty < 5; ) {
      const events = await next(engine)
      if (events.length === 0) empty++
      completed = events.find(
        (e) =>
          e.link.rel === 'messagingInvitation' &&
          e.type === 'completed' &&
          e._embedded.messagingInvitation.operationId === operationId,
      )
    }
    assert.ok(completed, `no completed invitation for ${operationId}`)
    const invitation = completed._embedded.messagingInvitation
    assert.ok(invitation._links.conversation, 'getConversationResource() needs the conversation link')
    await assertAllAnswer(engine, invitation)
    const res = await engine.get(invitation._links.conversation.href)
    assert.equal(res.status, 200, res.text)
    assert.equal((await engine.del(res.json._links.self.href)).status, 204)
    return { completed, conversation: res.json }
  }

  /** After a failure: the engine's copy and conversation read as ended; DELETE forgot it quietly. */
  async function assertFailedAndForgotten(
    location: string,
    completed: any,
    conversation: any,
    reason: string,
  ) {
    assert.equal(completed.status, 'Failure')
    assert.equal(completed.reason.subcode, reason)
    const invitation = completed._embedded.messagingInvitation
    assert.equal(invitation.state, 'Failed')
    // Before the DELETE, everything the completed event linked answered: the conversation ended
    // under the caller, readable as a conversation that ended under its endpoint.
    assert.equal(conversation.state, 'Disconnected')
    assert.equal(conversation.participantCount, 0)
    assert.deepEqual(await drainEvents(engine), [], 'forgetting it tells nobody anything')
    assert.equal((await engine.get(conversation._links.self.href)).status, 404)
    // The invitation stays GET-able at its Location, and now links nothing of the conversation.
    const now = (await engine.get(location)).json
    assert.equal(now.state, 'Failed')
    assert.deepEqual(rels(now), DETACHED)
    await assertAllAnswer(engine, now)
  }

  it('an agent who is not available: TemporarilyUnavailable, the conversation readable until deleted', async () => {
    const { location, operationId } = await sendToAgent(sip(offline))
    // The invitation's own links, as the Location shows them at once: all answer.
    const failed = (await engine.get(location)).json
    assert.equal(failed.state, 'Failed')
    assert.deepEqual(rels(failed), ['conversation', 'from', 'messaging', 'self', 'to'])
    await assertAllAnswer(engine, failed)
    const messaging = (await engine.get(failed._links.messaging.href)).json
    assert.equal(messaging.state, 'Disconnected')
    assert.deepEqual(Object.keys(messaging._links).sort(), ['conversation', 'self'])
    const from = (await engine.get(failed._links.from.href)).json
    assert.equal(from.uri, sip(engine))
    const { completed, conversation } = await cleanUp(operationId)
    assert.deepEqual(completed._embedded.messagingInvitation, failed, 'the event embeds what a GET shows')
    await assertFailedAndForgotten(location, completed, conversation, 'TemporarilyUnavailable')
  })

  it('an agent who declines, and one who does not answer', async () => {
    const declined = await sendToAgent(sip(agent))
    const ringing = eventOf(await next(agent), 'messagingInvitation', 'started')._embedded.messagingInvitation
    assert.equal((await agent.post(ringing._links.decline.href)).status, 204)
    const first = await cleanUp(declined.operationId)
    await assertFailedAndForgotten(declined.location, first.completed, first.conversation, 'Declined')
    await assertAgentCopy(ringing._links.self.href, await next(agent))

    const unanswered = await sendToAgent(sip(agent))
    const rung = eventOf(await next(agent), 'messagingInvitation', 'started')._embedded.messagingInvitation
    t.clock.advance(31_000)
    await t.server.conversations.expireInvitations()
    const second = await cleanUp(unanswered.operationId)
    await assertFailedAndForgotten(unanswered.location, second.completed, second.conversation, 'NoAnswer')
    await assertAgentCopy(rung._links.self.href, await next(agent))
  })

  /**
   * The agent's side of a failed invitation: it ended on an endpoint that was only rung, which
   * keeps nothing of the conversation, so its copy links none of it — in the completed event and
   * on GET; who it was from stays, with the links to that person.
   */
  async function assertAgentCopy(href: string, told: readonly any[]): Promise<void> {
    const completed = eventOf(told, 'messagingInvitation', 'completed')._embedded.messagingInvitation
    const theirs = (await agent.get(href)).json
    assert.deepEqual(completed, theirs, 'the event embeds what a GET shows')
    assert.equal(theirs.state, 'Failed')
    assert.deepEqual(rels(theirs), DETACHED)
    assert.equal(theirs._embedded.from.uri, sip(engine))
    assert.equal(theirs._embedded.from.name, completed._embedded.from.name)
    assert.deepEqual(rels(theirs._embedded.from), ['contact', 'contactPhoto', 'contactPresence'])
    await assertAllAnswer(agent, theirs)
  }

  it('an agent who accepts: the DELETE leaves, and the engine’s invitation stops linking the conversation', async () => {
    const { location, operationId } = await sendToAgent(sip(agent))
    await acceptIncoming(agent)
    await next(agent)
    const { completed, conversation } = await cleanUp(operationId)
    assert.equal(completed.status, 'Success')
    assert.equal(conversation.state, 'Connected')
    // Leaving changed the invitation's GET, so the engine is told (updated), then the rest.
    const left = await drainEvents(engine)
    assert.deepEqual(
      left.map((e) => `${e.link.rel}:${e.type}`),
      ['messagingInvitation:updated', 'messaging:updated', 'conversation:deleted'],
    )
    const updated = eventOf(left, 'messagingInvitation', 'updated')._embedded.messagingInvitation
    const now = (await engine.get(location)).json
    assert.deepEqual(updated, now, 'the event embeds what a GET shows')
    assert.equal(now.state, 'Connected')
    assert.deepEqual(rels(now), DETACHED)
    assert.equal(now._embedded.acceptedByParticipant[0].uri, sip(agent))
    assert.deepEqual(rels(now._embedded.acceptedByParticipant[0]), [
      'contact',
      'contactPhoto',
      'contactPresence',
    ])
    await assertAllAnswer(engine, now)
    // The agent, on whom the conversation ended, keeps it, and its invitation keeps linking it.
    const theirs = eventOf(await next(agent), 'messagingInvitation', 'completed')
    assert.equal(theirs, undefined, 'nothing new about the invitation for the agent')
    const agentInvitation = (await agent.get(location.replace(engine.self, agent.self))).json
    assert.deepEqual(rels(agentInvitation), ['conversation', 'messaging', 'self', 'to'])
    assert.equal((await agent.get(agentInvitation._links.conversation.href)).json.state, 'Disconnected')
    await assertAllAnswer(agent, agentInvitation)
    assert.equal((await agent.del(agentInvitation._links.conversation.href)).status, 204)
  })
})

describe('invitations of endpoints that no longer have the conversation', () => {
  const users = withAvailableUsers('alice', 'bob', 'carol')

  // kenakamu/UCWA2.0-CS, UCWASDK/UCWASDK/Models/MessagingInvitation.cs: GetConversation(),
  // GetMessaging() and GetFrom() GET the links of those names; HttpService.Get<T>() returns null
  // for a link that is absent and throws on an error status. The phone of a user who answered on
  // the desk gets `updated` (no accept/decline) and `completed` ConnectedElsewhere (docs/protocol.md
  // §7.3), and its conversation is deleted: its copies must not link what is gone.
  it('answered on another endpoint: the phone’s copies link nothing of the conversation', async () => {
    const { t, alice, bob } = users
    const phone = await openApp(t, 'bob', bob.token, 'bob-phone')
    await available(phone)
    await phone.events()
    await startMessaging(alice, sip(bob), 'Hi Bob')
    await next(alice)
    await next(phone)
    await acceptIncoming(bob)
    const told = await next(phone)
    const updated = eventOf(told, 'messagingInvitation', 'updated')._embedded.messagingInvitation
    const completed = eventOf(told, 'messagingInvitation', 'completed')._embedded.messagingInvitation
    for (const copy of [updated, completed, (await phone.get(completed._links.self.href)).json]) {
      assert.equal(copy.state, 'Failed')
      assert.deepEqual(rels(copy), DETACHED)
      assert.equal(copy._embedded.from.uri, sip(alice))
      await assertAllAnswer(phone, copy)
    }
    // The desk that accepted keeps every link, and they answer.
    const desk = (await bob.get(completed._links.self.href.replace(phone.self, bob.self))).json
    assert.deepEqual(rels(desk), ['conversation', 'messaging', 'self', 'to'])
    await assertAllAnswer(bob, desk)
    await next(alice)
    await next(bob)
    assert.equal((await bob.del(desk._links.conversation.href)).status, 204)
    await next(alice)
    await next(bob)
    assert.equal((await phone.del(phone.self)).status, 204)
  })

  // participantInvitation_ref.md: the inviter's participantInvitation links `from`,
  // `conversation` and, once joined, `participant`. An inviter that leaves while it still rings
  // withdraws it (Canceled), and it has no conversation to link any more.
  it('an inviter that leaves while its addParticipant rings: the participantInvitation links nothing of it', async () => {
    const { alice, bob, carol } = users
    const [a, b] = await connect(alice, bob)
    const added = await addParticipant(a, sip(carol), 'add-then-leave')
    assert.equal(added.status, 201)
    const location = added.headers.get('location') ?? ''
    await next(alice)
    await next(bob)
    await next(carol)
    assert.deepEqual(rels((await alice.get(location)).json), ['cancel', 'conversation', 'from', 'self', 'to'])
    assert.equal((await alice.del(a.conversation)).status, 204)
    const left = await next(alice)
    const canceled = eventOf(left, 'participantInvitation', 'completed')
    assert.equal(canceled.reason.subcode, 'Canceled')
    const now = (await alice.get(location)).json
    assert.deepEqual(canceled._embedded.participantInvitation, now)
    assert.equal(now.state, 'Failed')
    assert.deepEqual(rels(now), DETACHED)
    await assertAllAnswer(alice, now)
    // alice's messagingInvitation into the conversation stops linking it too (updated).
    const mine = eventOf(left, 'messagingInvitation', 'updated')._embedded.messagingInvitation
    assert.deepEqual(mine, (await alice.get(a.invitation)).json)
    assert.deepEqual(rels(mine), DETACHED)
    // carol's ringing copy ended the same way; bob, on whom it ended, still reads all of his.
    const carols = eventOf(await next(carol), 'messagingInvitation', 'completed')._embedded
      .messagingInvitation
    assert.deepEqual(rels(carols), DETACHED)
    await assertAllAnswer(carol, carols)
    await next(bob)
    await assertAllAnswer(bob, (await bob.get(b.invitation)).json)
    assert.equal((await bob.del(b.conversation)).status, 204)
  })

  // The same page: a declined addParticipant fails, the conversation goes on; the inviter's links
  // keep answering while it is in it, the invitee's copy links nothing it cannot read.
  it('an invitee who declines an addParticipant: its copy is detached, the inviter’s is not', async () => {
    const { alice, bob, carol } = users
    const [a, b] = await connect(alice, bob)
    const added = await addParticipant(a, sip(carol), 'add-declined')
    const location = added.headers.get('location') ?? ''
    await next(alice)
    await next(bob)
    const ringing = eventOf(await next(carol), 'messagingInvitation', 'started')._embedded.messagingInvitation
    assert.equal((await carol.post(ringing._links.decline.href)).status, 204)
    const declined = eventOf(await next(carol), 'messagingInvitation', 'completed')._embedded
      .messagingInvitation
    assert.deepEqual(declined, (await carol.get(ringing._links.self.href)).json)
    assert.deepEqual(rels(declined), DETACHED)
    await assertAllAnswer(carol, declined)
    const inviter = eventOf(await next(alice), 'participantInvitation', 'completed')._embedded
      .participantInvitation
    assert.deepEqual(inviter, (await alice.get(location)).json)
    assert.equal(inviter.state, 'Failed')
    assert.deepEqual(rels(inviter), ['conversation', 'from', 'self', 'to'])
    await assertAllAnswer(alice, inviter)
    await next(bob)
    assert.equal((await alice.del(a.conversation)).status, 204)
    assert.equal((await bob.del(b.conversation)).status, 204)
    for (const c of [alice, bob]) await drainEvents(c)
  })

  // docs/messaging.md, "Multi-party": someone who left can be added again. The invitation that
  // brought her in the first time belongs to a stay that is over: it does not start linking the
  // conversation again when she is back (its GET would change without an event).
  it('a participant who left and was added again: her first invitation stays detached', async () => {
    const { t, alice, bob, carol } = users
    const [a, b] = await connect(alice, bob)
    const c = await addAndJoin(a, carol, [bob], 'first')
    assert.equal((await carol.post(`${c.messaging}/terminate`)).status, 204)
    const gone = await next(carol)
    const first = eventOf(gone, 'messagingInvitation', 'updated')._embedded.messagingInvitation
    assert.deepEqual(rels(first), DETACHED)
    await next(alice)
    await next(bob)
    t.clock.advance(1) // a later stay starts later
    await addAndJoin(a, carol, [bob], 'again')
    assert.deepEqual((await carol.get(c.invitation)).json, first, 'unchanged, and no event was due')
    for (const [x, j] of [
      [alice, a],
      [bob, b],
    ] as const) {
      assert.equal((await x.del(j.conversation)).status, 204)
    }
    for (const x of [alice, bob, carol]) await drainEvents(x)
  })

  // An endpoint of the invitee that was never rung (not made available) can GET the invitation
  // by its id, as every endpoint of the invitee can: it has no conversation to link, and nothing
  // to accept or decline there.
  it('an endpoint of the invitee that was never rung reads the invitation without links into it', async () => {
    const { t, alice, bob } = users
    const idle = await openApp(t, 'bob', bob.token, 'bob-idle')
    const location = await startMessaging(alice, sip(bob), 'Ping')
    await next(alice)
    const ringing = eventOf(await next(bob), 'messagingInvitation', 'started')._embedded.messagingInvitation
    const copy = (await idle.get(ringing._links.self.href.replace(bob.self, idle.self))).json
    assert.equal(copy.state, 'Connecting')
    assert.deepEqual(rels(copy), DETACHED)
    await assertAllAnswer(idle, copy)
    assert.equal((await idle.post(`${copy._links.self.href}/accept`)).status, 404)
    // The caller cancels (stopMessaging while calling): it ended the conversation itself, so it
    // keeps nothing of it, and its copy says so.
    const calling = (await alice.get(location)).json
    assert.equal((await alice.post(calling._links.cancel.href)).status, 204)
    const canceled = eventOf(await next(alice), 'messagingInvitation', 'completed')._embedded
      .messagingInvitation
    assert.deepEqual(rels(canceled), DETACHED)
    assert.deepEqual(canceled, (await alice.get(location)).json)
    assert.equal((await alice.get(calling._links.conversation.href)).status, 404)
    await next(bob)
    assert.equal((await idle.del(idle.self)).status, 204)
  })
})
