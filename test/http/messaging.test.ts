// Instant messaging over real HTTP: invite → accept → messages both ways → typing → stop.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { dataText, startMessaging, withAvailableUsers } from '../helpers/messaging.ts'
import { summary } from '../helpers/ucwa-client.ts'

/** Every event of `batch` as `sender:rel:type`, with its embedded resource when there is one. */
const events = (batch: any): any[] =>
  (batch.sender as any[]).flatMap((s) => s.events.map((e: any) => ({ sender: s.rel, ...e })))

const embedded = (batch: any, rel: string): any =>
  events(batch).find((e) => e.link.rel === rel && e._embedded)?._embedded[rel]

describe('instant messaging between two users', () => {
  const users = withAvailableUsers('alice', 'bob')

  it('invites, accepts, exchanges messages both ways, shows typing and stops', async () => {
    const { alice, bob } = users
    const invitation = await startMessaging(alice, 'sip:bob@example.test', 'Hi Bob')
    const a1 = await alice.events()
    assert.deepEqual(summary(a1), [
      'communication:messagingInvitation:started',
      'communication:conversation:added',
      'conversation:localParticipant:added',
      'conversation:messaging:updated',
    ])
    const outgoing = embedded(a1, 'messagingInvitation')
    assert.equal(outgoing.direction, 'Outgoing')
    assert.equal(outgoing.state, 'Connecting')
    assert.equal(outgoing.operationId, 'op-1')
    assert.ok(outgoing._links.cancel)
    const conversationHref = outgoing._links.conversation.href
    assert.equal((await alice.get(invitation)).json.state, 'Connecting', 'GET-able at once')

    const b1 = await bob.events()
    assert.deepEqual(summary(b1), [
      'communication:messagingInvitation:started',
      'communication:conversation:added',
      'conversation:localParticipant:added',
      'conversation:participant:added',
    ])
    const incoming = embedded(b1, 'messagingInvitation')
    assert.equal(incoming.direction, 'Incoming')
    assert.equal(incoming._embedded.from.uri, 'sip:alice@example.test')
    assert.equal(dataText(incoming._links.message.href), 'Hi Bob')
    assert.equal(embedded(b1, 'conversation').state, 'Incoming')
    assert.equal(embedded(b1, 'conversation').subject, 'Plans')

    assert.equal((await bob.post(incoming._links.accept.href)).status, 204)
    const b2 = await bob.events()
    assert.ok(summary(b2).includes('communication:messagingInvitation:completed'))
    const bobMessaging = embedded(b2, 'messaging')
    assert.equal(bobMessaging.state, 'Connected')
    const a2 = await alice.events()
    const completed = events(a2).find((e) => e.link.rel === 'messagingInvitation')
    assert.equal(completed.type, 'completed')
    assert.equal(completed.status, 'Success')
    assert.equal(
      completed._embedded.messagingInvitation._embedded.acceptedByParticipant[0].uri,
      'sip:bob@example.test',
    )
    const aliceMessaging = embedded(a2, 'messaging')
    assert.equal(aliceMessaging.state, 'Connected')
    assert.equal(embedded(a2, 'conversation').state, 'Connected')

    // alice → bob
    const sent = await alice.send(
      'POST',
      `${aliceMessaging._links.sendMessage.href}?OperationContext=m1`,
      'Lunch?',
      {
        'content-type': 'text/plain',
      },
    )
    assert.equal(sent.status, 201, sent.text)
    assert.match(sent.headers.get('location') ?? '', /\/messaging\/messages\/\d+$/)
    const own = events(await alice.events()).find((e) => e.link.rel === 'message')
    assert.equal(own.status, 'Success')
    assert.equal(own._embedded.message.direction, 'Outgoing')
    const got = events(await bob.events()).find((e) => e.link.rel === 'message')
    assert.equal(got._embedded.message.direction, 'Incoming')
    assert.equal(dataText(got._embedded.message._links.plainMessage.href), 'Lunch?')
    assert.match(got._embedded.message._links.participant.href, /\/participants\/alice@example\.test$/)

    // bob types, then answers in HTML (sanitised)
    assert.equal((await bob.post(bobMessaging._links.setIsTyping.href)).status, 204)
    assert.deepEqual(summary(await alice.events()), ['conversation:participant:added in typingParticipants'])
    const html = await bob.send(
      'POST',
      bobMessaging._links.sendMessage.href,
      '<b>Yes</b><script>alert(1)</script><img src="http://x/y.png">',
      {
        'content-type': 'text/html',
      },
    )
    assert.equal(html.status, 201)
    const reply = await alice.events()
    assert.deepEqual(summary(reply), [
      'conversation:participant:deleted in typingParticipants',
      'conversation:message:completed',
    ])
    assert.equal(dataText(embedded(reply, 'message')._links.htmlMessage.href), '<b>Yes</b>')

    // alice stops: bob's side ends too (reason Ended); alice's conversation goes away, bob's stays
    // readable, Disconnected (docs/messaging.md, "Links that always answer").
    assert.equal((await alice.post(aliceMessaging._links.stopMessaging.href)).status, 204)
    const a3 = await alice.events()
    assert.deepEqual(summary(a3).slice(-1), ['communication:conversation:deleted'])
    const b3 = await bob.events()
    const ended = events(b3).find((e) => e.link.rel === 'messaging')
    assert.equal(ended._embedded.messaging.state, 'Disconnected')
    assert.equal(ended.reason.subcode, 'Ended')
    assert.equal((await alice.get(conversationHref)).status, 404)
    assert.equal((await bob.get(conversationHref.replace(alice.self, bob.self))).json.state, 'Disconnected')
  })

  it('fails with Declined when the recipient declines', async () => {
    const { alice, bob } = users
    await startMessaging(alice, 'sip:bob@example.test')
    await alice.events()
    const incoming = embedded(await bob.events(), 'messagingInvitation')
    assert.equal((await bob.post(incoming._links.decline.href)).status, 204)
    const failed = events(await alice.events()).find((e) => e.link.rel === 'messagingInvitation')
    assert.equal(failed.type, 'completed')
    assert.equal(failed.status, 'Failure')
    assert.equal(failed.reason.subcode, 'Declined')
    await bob.events()
  })

  it('fails with NoAnswer after 30 s without an answer', async () => {
    const { t, alice, bob } = users
    await startMessaging(alice, 'sip:bob@example.test', 'Anyone?')
    await alice.events()
    await bob.events()
    t.clock.advance(31_000)
    await t.server.conversations.expireInvitations()
    const failed = events(await alice.events()).find((e) => e.link.rel === 'messagingInvitation')
    assert.equal(failed.reason.subcode, 'NoAnswer')
    const gone = events(await bob.events())
    assert.ok(gone.some((e) => e.link.rel === 'conversation' && e.type === 'deleted'))
  })

  it('fails at once for a user with no endpoint, and for an unknown user', async () => {
    const { alice } = users
    await startMessaging(alice, 'sip:carol@other.test', 'Hello?')
    const offline = events(await alice.events()).find(
      (e) => e.link.rel === 'messagingInvitation' && e.type === 'completed',
    )
    assert.equal(offline.reason.subcode, 'TemporarilyUnavailable')
    await startMessaging(alice, 'sip:nobody@example.test')
    const unknown = events(await alice.events()).find(
      (e) => e.link.rel === 'messagingInvitation' && e.type === 'completed',
    )
    assert.equal(unknown.reason.subcode, 'DestinationNotFound')
  })
})
