// An invitation forks to every ringing endpoint of the invitee, as Lync's forking did: one of them
// going away (its application DELETEd, or expired) stops only that one ringing. The others keep
// ringing and can still answer; the inviter hears nothing until the last one is gone, and then
// the invitation fails as for a recipient nobody could reach (TemporarilyUnavailable), which
// leaves the recipient a missed conversation. startMessaging and addParticipant alike. Real HTTP.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  addParticipant,
  connect,
  conversationLogs,
  drainEvents,
  embeddedOf,
  flat,
  im,
  missedItems,
  next,
  sip,
  startMessaging,
  texts,
  withAvailableUsers,
} from '../helpers/messaging.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { availableAll, type Client, openApp, signedInApp } from '../helpers/ucwa-client.ts'

/** Browser applications expire after this long without a request (application-rules.ts). */
const IDLE_MS = 900_000

const RINGING = [
  'communication:messagingInvitation:started',
  'communication:conversation:added',
  'conversation:localParticipant:added',
  'conversation:participant:added',
]

/** What `c` was told about conversations and invitations since it last looked (presence aside). */
async function imNews(c: Client): Promise<string[]> {
  const messaging = new Set(['messagingInvitation', 'participantInvitation', 'conversation'])
  return (await drainEvents(c))
    .filter((e) => e.sender === 'conversation' || messaging.has(e.link.rel))
    .map((e) => `${e.sender}:${e.link.rel}:${e.type}`)
}

/** The incoming invitation an endpoint was rung with (from its next batch). */
async function rungWith(c: Client): Promise<any> {
  const batch = await c.events()
  assert.deepEqual(im(batch), RINGING, `${c.self}: not rung`)
  return embeddedOf(batch, 'messagingInvitation')
}

/** Asserts the endpoint still rings: the invitation and its conversation, as GET shows them. */
async function assertRinging(c: Client, invitation: any): Promise<void> {
  const now = await c.get(invitation._links.self.href)
  assert.equal(now.status, 200, now.text)
  assert.equal(now.json.state, 'Connecting')
  assert.equal(now.json.direction, 'Incoming')
  assert.ok(now.json._links.accept, 'still answerable')
  assert.ok(now.json._links.decline)
  const conversation = await c.get(invitation._links.conversation.href)
  assert.equal(conversation.status, 200, conversation.text)
  assert.equal(conversation.json.state, 'Incoming')
}

/** The user's missed conversation logs, newest first. */
async function missedLogs(c: Client): Promise<any[]> {
  return (await conversationLogs(c)).filter((l) => l.status === 'Missed')
}

/** bob on a desk and a phone endpoint (`suffix` after their names), both available. */
async function bobOnTwo(t: TestServer, suffix = ''): Promise<{ desk: Client; phone: Client }> {
  const desk = await signedInApp(t, 'bob', `bob-desk${suffix}`)
  const phone = await openApp(t, 'bob', desk.token, `bob-phone${suffix}`)
  await availableAll(desk, phone)
  return { desk, phone }
}

/** alice invites bob (startMessaging with `first`), who rings on both; returns the phone's invitation. */
async function inviteBobOnTwo(alice: Client, desk: Client, phone: Client, first: string) {
  const location = await startMessaging(alice, sip(desk), first)
  await next(alice)
  await rungWith(desk)
  return { location, onPhone: await rungWith(phone) }
}

/**
 * alice, in a conversation with carol (signed in as `carolEndpoint`), adds bob, who rings on both
 * his endpoints (`suffix` after their names); returns the phone's invitation.
 */
async function addBobOnTwo(t: TestServer, alice: Client, carolEndpoint: string, suffix: string) {
  const carol = await signedInApp(t, 'carol', carolEndpoint)
  await availableAll(carol)
  const [a] = await connect(alice, carol)
  const { desk, phone } = await bobOnTwo(t, suffix)
  const added = await addParticipant(a, sip(desk))
  assert.equal(added.status, 201, added.text)
  const location = added.headers.get('location') ?? ''
  await next(alice)
  await next(carol)
  await rungWith(desk)
  return { carol, a, desk, phone, location, onPhone: await rungWith(phone) }
}

/** The completed event of the caller's failed startMessaging, after the others it expects. */
async function assertFailedUnreachable(alice: Client, location: string): Promise<void> {
  const failed = flat(await alice.events())
  assert.deepEqual(
    failed.map((e) => `${e.sender}:${e.link.rel}:${e.type}`),
    [
      'communication:messagingInvitation:completed',
      'conversation:messaging:updated',
      'communication:conversation:deleted',
    ],
  )
  assert.equal(failed[0].status, 'Failure')
  assert.equal(failed[0].reason.code, 'RemoteFailure')
  assert.equal(failed[0].reason.subcode, 'TemporarilyUnavailable')
  const invitation = (await alice.get(location)).json
  assert.equal(invitation.state, 'Failed')
  // As for any failed startMessaging, the caller keeps the conversation, ended.
  const conversation = await alice.get(invitation._links.conversation.href)
  assert.equal(conversation.status, 200, conversation.text)
  assert.equal(conversation.json.state, 'Disconnected')
}

describe('a ringing endpoint whose application is deleted', () => {
  const users = withAvailableUsers('alice')

  it('stops ringing there only: the other endpoint still rings, answers, and alice connects', async () => {
    const { t, alice } = users
    const { desk, phone } = await bobOnTwo(t)
    const { location, onPhone } = await inviteBobOnTwo(alice, desk, phone, 'Lunch?')

    assert.equal((await desk.del(desk.self)).status, 204)
    assert.deepEqual(await imNews(alice), [], 'alice hears nothing: bob is still being rung')
    assert.deepEqual(await imNews(phone), [], 'nothing changed for the phone')
    assert.equal((await alice.get(location)).json.state, 'Connecting')
    await assertRinging(phone, onPhone)

    assert.equal((await phone.post(onPhone._links.accept.href)).status, 204)
    const answered = flat(await phone.events())
    const completed = answered.find((e) => e.link.rel === 'messagingInvitation')
    assert.equal(completed.type, 'completed')
    assert.equal(completed.status, 'Success')
    assert.deepEqual(texts(answered), ['Lunch?'])
    const connected = flat(await alice.events())
    const outgoing = connected.find((e) => e.link.rel === 'messagingInvitation')
    assert.equal(outgoing.type, 'completed')
    assert.equal(outgoing.status, 'Success')
    const mine = (await alice.get(location)).json
    assert.equal(mine.state, 'Connected')
    assert.equal((await alice.get(mine._links.conversation.href)).json.state, 'Connected')
    assert.equal((await missedItems(phone)).missedConversationsCount, 0, 'answered: nothing missed')
    await alice.del(mine._links.conversation.href)
    await next(alice)
    await phone.del(phone.self)
  })

  it('fails the invitation once the last one goes (TemporarilyUnavailable): bob gets a missed conversation', async () => {
    const { t, alice } = users
    const { desk, phone } = await bobOnTwo(t, '-2')
    const { location } = await inviteBobOnTwo(alice, desk, phone, 'Are you there?')

    assert.equal((await desk.del(desk.self)).status, 204)
    assert.deepEqual(await imNews(alice), [])
    assert.equal((await phone.del(phone.self)).status, 204)
    await assertFailedUnreachable(alice, location)

    // Missed exactly as if nobody had answered: unread, with the first message, from alice.
    const back = await openApp(t, 'bob', desk.token, 'bob-back')
    const counts = await missedItems(back)
    assert.equal(counts.missedConversationsCount, 1)
    assert.equal(counts.unreadMissedConversationsCount, 1)
    const [log] = await missedLogs(back)
    assert.equal(log.previewMessage, 'Are you there?')
    assert.equal(log.direction, 'Incoming')
    assert.equal(log._embedded.conversationLogRecipient[0].sipUri, sip(alice))
    await back.del(back.self)
  })

  it('an addParticipant invitation too: it rings on, then fails TemporarilyUnavailable for the inviter', async () => {
    const { t, alice } = users
    const { carol, a, desk, phone, location, onPhone } = await addBobOnTwo(t, alice, 'carol-1', '-3')

    assert.equal((await desk.del(desk.self)).status, 204)
    assert.deepEqual(await imNews(alice), [], 'the participantInvitation goes on')
    assert.deepEqual(await imNews(carol), [])
    assert.equal((await alice.get(location)).json.state, 'Connecting')
    await assertRinging(phone, onPhone)

    assert.equal((await phone.del(phone.self)).status, 204)
    const failed = flat(await alice.events())
    assert.deepEqual(
      failed.map((e) => `${e.sender}:${e.link.rel}:${e.type}`),
      ['communication:participantInvitation:completed', 'communication:conversation:updated'],
    )
    assert.equal(failed[0].status, 'Failure')
    assert.equal(failed[0].reason.subcode, 'TemporarilyUnavailable')
    assert.equal(failed[1]._embedded.conversation.state, 'Conferenced')
    assert.equal((await alice.get(location)).json.state, 'Failed')

    const back = await openApp(t, 'bob', desk.token, 'bob-back-3')
    const log = (await missedLogs(back)).find((l) =>
      (l._embedded.conversationLogRecipient as any[]).some((r) => r.sipUri === sip(carol)),
    )
    assert.ok(log, 'bob missed the conference')
    assert.deepEqual(
      (log._embedded.conversationLogRecipient as any[]).map((r) => r.sipUri).sort(),
      [sip(alice), sip(carol)].sort(),
    )
    await back.del(back.self)
    await alice.del(a.conversation)
    await next(alice)
    await carol.del(carol.self)
  })

  it('answering on the other endpoint still works for an addParticipant invitation', async () => {
    const { t, alice } = users
    const { desk, phone, location, onPhone } = await addBobOnTwo(t, alice, 'carol-2', '-4')
    assert.equal((await desk.del(desk.self)).status, 204)
    assert.equal((await phone.post(onPhone._links.accept.href)).status, 204)
    const joined = flat(await alice.events())
    assert.ok(
      joined.some((e) => e.link.rel === 'participantInvitation' && e.status === 'Success'),
      JSON.stringify(joined.map((e) => e.link.rel)),
    )
    assert.equal((await alice.get(location)).json.state, 'Connected')
    assert.equal((await phone.get(onPhone._links.conversation.href)).json.state, 'Conferenced')
  })
})

describe('a ringing endpoint whose application expires', () => {
  /**
   * alice, and bob on two endpoints, all made at the same instant; then just before bob's
   * endpoints would expire, alice (and bob's phone when it is to live on) is active again and
   * alice invites bob. Moving the clock past the desk's deadline expires it while the invitation
   * still has most of its 30 s to ring.
   */
  async function nearExpiry(t: TestServer, phoneStaysActive: boolean) {
    const alice = await signedInApp(t, 'alice')
    const desk = await signedInApp(t, 'bob', 'bob-desk')
    const phone = await openApp(t, 'bob', desk.token, 'bob-phone')
    await availableAll(alice, desk, phone)
    t.clock.advance(IDLE_MS - 10_000)
    // A GET of the application is activity: it moves that application's deadline.
    assert.equal((await alice.get(alice.self)).status, 200)
    if (phoneStaysActive) assert.equal((await phone.get(phone.self)).status, 200)
    const location = await startMessaging(alice, sip(desk), 'Still there?')
    await next(alice)
    // The desk is not read again: a request would keep it alive.
    const onPhone = phoneStaysActive ? await rungWith(phone) : undefined
    t.clock.advance(15_000)
    // The presence tick runs this every 5 s; here it runs now.
    await t.server.conversations.dropExpiredEndpoints()
    return { alice, desk, phone, location, onPhone }
  }

  it('stops ringing there only; the endpoint still live answers', async () => {
    const t = await startTestServer()
    try {
      const { alice, phone, location, onPhone } = await nearExpiry(t, true)
      assert.deepEqual(await imNews(alice), [], 'alice hears nothing: bob is still being rung')
      assert.deepEqual(await imNews(phone), [])
      assert.equal((await alice.get(location)).json.state, 'Connecting')
      await assertRinging(phone, onPhone)
      assert.equal((await phone.post(onPhone._links.accept.href)).status, 204)
      await next(phone)
      const outgoing = flat(await alice.events()).find((e) => e.link.rel === 'messagingInvitation')
      assert.equal(outgoing.status, 'Success')
      assert.equal((await alice.get(location)).json.state, 'Connected')
    } finally {
      await t.stop()
    }
  })

  it('every endpoint expired: the invitation fails TemporarilyUnavailable and bob missed it', async () => {
    const t = await startTestServer()
    try {
      const { alice, desk, location } = await nearExpiry(t, false)
      await assertFailedUnreachable(alice, location)
      const back = await openApp(t, 'bob', desk.token, 'bob-back')
      const counts = await missedItems(back)
      assert.equal(counts.missedConversationsCount, 1)
      const [log] = await missedLogs(back)
      assert.equal(log.previewMessage, 'Still there?')
    } finally {
      await t.stop()
    }
  })
})
