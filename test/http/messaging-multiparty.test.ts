// Multi-party and multi-endpoint instant messaging over real HTTP: a recipient with two
// endpoints, a sender with two, addParticipant escalating to an ad-hoc conference with carol
// (homed on pool02), leaving a three-party conversation, and the event-consistency check over
// the whole messaging lifecycle.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { assertConsistent, type Observer } from '../helpers/consistency.ts'
import {
  addParticipant,
  connect,
  dataText,
  directions,
  drainEvents,
  embeddedOf,
  flat,
  im,
  type Joined,
  next,
  observed,
  say,
  sip,
  startMessaging,
  texts,
  withAvailableUsers,
} from '../helpers/messaging.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import {
  ADDRESS,
  available,
  availableAll,
  type Client,
  openApp,
  signedInApp,
} from '../helpers/ucwa-client.ts'

/** The same conversation (or other href) under another client's application. */
const mirror = (href: string, from: Client, to: Client) => href.replace(from.self, to.self)

describe('a recipient with two endpoints', () => {
  let t: TestServer
  before(async () => {
    t = await startTestServer()
  })
  after(() => t.stop())

  it('rings both; accepting on one ends the invitation on the other, which gets no messages', async () => {
    const alice = await signedInApp(t, 'alice')
    const bob1 = await signedInApp(t, 'bob', 'bob-desk')
    const bob2 = await openApp(t, 'bob', bob1.token, 'bob-phone')
    await availableAll(alice, bob1, bob2)
    await startMessaging(alice, sip(bob1), 'Hi Bob')
    const ringing = [
      'communication:messagingInvitation:started',
      'communication:conversation:added',
      'conversation:localParticipant:added',
      'conversation:participant:added',
    ]
    const b1 = await bob1.events()
    const b2 = await bob2.events()
    assert.deepEqual(im(b1), ringing)
    assert.deepEqual(im(b2), ringing)
    const onPhone = embeddedOf(b2, 'messagingInvitation')
    assert.equal(dataText(onPhone._links.message.href), 'Hi Bob')
    assert.equal(
      embeddedOf(b1, 'messagingInvitation')._links.self.href,
      mirror(onPhone._links.self.href, bob2, bob1),
    )

    assert.equal((await bob1.post(embeddedOf(b1, 'messagingInvitation')._links.accept.href)).status, 204)
    const phone = await bob2.events()
    assert.deepEqual(im(phone), [
      'communication:messagingInvitation:updated',
      'communication:messagingInvitation:completed',
      'communication:conversation:deleted',
    ])
    const [updated, completed] = flat(phone)
    assert.equal(updated._embedded.messagingInvitation._links.accept, undefined, 'no accept any more')
    assert.equal(updated._embedded.messagingInvitation._links.decline, undefined)
    assert.equal(completed.status, 'Failure')
    assert.equal(completed.reason.subcode, 'ConnectedElsewhere')
    // The phone's copy of the invitation stays readable, answered elsewhere; accepting now is a conflict.
    const invitation = await bob2.get(onPhone._links.self.href)
    assert.equal(invitation.status, 200)
    assert.deepEqual(invitation.json, completed._embedded.messagingInvitation)
    assert.equal((await bob2.post(`${onPhone._links.self.href}/accept`)).status, 409)
    assert.equal((await bob2.get(onPhone._links.conversation.href)).status, 404)

    const desk = await next(bob1)
    assert.ok(
      desk.some(
        (e) => e.link.rel === 'messagingInvitation' && e.type === 'completed' && e.status === 'Success',
      ),
    )
    const aliceSide = (await next(alice)).filter((e) => e.link.rel === 'messaging').at(-1)._embedded.messaging
    const sent = await alice.send('POST', aliceSide._links.sendMessage.href, 'Only the desk', {
      'content-type': 'text/plain',
    })
    assert.equal(sent.status, 201)
    assert.deepEqual(texts(await next(bob1)), ['Only the desk'])
    assert.deepEqual(await drainEvents(bob2), [], 'the phone gets nothing more')
    const fromPhone = await bob2.send('POST', `${onPhone._links.messaging.href}/messages`, 'me too?', {
      'content-type': 'text/plain',
    })
    assert.equal(fromPhone.status, 404)
  })

  it('a sender with two endpoints: only the sending one is in the conversation', async () => {
    const laptop = await signedInApp(t, 'alice', 'alice-laptop')
    const tablet = await openApp(t, 'alice', laptop.token, 'alice-tablet')
    const bob = await signedInApp(t, 'bob', 'bob-3')
    await availableAll(laptop, tablet, bob)
    const [mine, theirs] = await connect(laptop, bob)
    assert.deepEqual(await drainEvents(tablet), [], 'the other endpoint hears nothing')
    assert.equal((await tablet.get(mirror(mine.conversation, laptop, tablet))).status, 404)
    assert.equal((await tablet.get(mirror(mine.invitation, laptop, tablet))).status, 404)
    assert.equal((await say(theirs, 'to the laptop')).status, 201)
    assert.deepEqual(texts(await next(laptop)), ['to the laptop'])
    assert.deepEqual(await drainEvents(tablet), [])
    const fromTablet = await tablet.send('POST', mirror(mine.sendMessage, laptop, tablet), 'x', {
      'content-type': 'text/plain',
    })
    assert.equal(fromTablet.status, 404)
  })
})

describe('escalation to three parties (addParticipant)', () => {
  const users = withAvailableUsers('alice', 'bob', 'carol')

  it('adds carol: Conferencing, then Conferenced when she joins; messages and typing reach everyone; leaving keeps the rest going', async () => {
    const { alice, bob, carol } = users
    const [a, b] = await connect(alice, bob)
    const early = await say(a, 'before carol')
    assert.equal(early.status, 201)
    await next(alice)
    await next(bob)
    const conversation = (await alice.get(a.conversation)).json
    assert.equal(conversation.state, 'Connected')
    const cid = a.conversation.slice(a.conversation.lastIndexOf('/') + 1)
    assert.equal(
      conversation._links.addParticipant.href,
      `${alice.self}/communication/participantInvitations?conversation=${cid}`,
    )

    const added = await addParticipant(a, sip(carol))
    assert.equal(added.status, 201, added.text)
    assert.equal(added.text, '')
    const location = added.headers.get('location') ?? ''
    assert.match(location, new RegExp(`^${alice.self}/communication/participantInvitations/[\\w-]+$`))
    const outgoing = (await alice.get(location)).json
    assert.equal(outgoing.rel, 'participantInvitation')
    assert.equal(outgoing.direction, 'Outgoing')
    assert.equal(outgoing.state, 'Connecting')
    assert.equal(outgoing.to, sip(carol))
    assert.equal(outgoing.operationId, 'add-1')
    assert.equal(outgoing._links.cancel.href, `${location}/cancel`)
    assert.equal(outgoing._links.conversation.href, a.conversation)

    const a1 = await alice.events()
    assert.deepEqual(im(a1), [
      'communication:participantInvitation:started',
      'communication:conversation:updated',
    ])
    assert.equal(embeddedOf(a1, 'participantInvitation').operationId, 'add-1')
    assert.equal(embeddedOf(a1, 'conversation').state, 'Conferencing')
    const b1 = await bob.events()
    assert.deepEqual(im(b1), ['communication:conversation:updated'])
    assert.equal(embeddedOf(b1, 'conversation').state, 'Conferencing')

    // carol (pool02) is rung with a messagingInvitation into the same conversation.
    const c1 = await carol.events()
    assert.deepEqual(im(c1), [
      'communication:messagingInvitation:started',
      'communication:conversation:added',
      'conversation:localParticipant:added',
      'conversation:participant:added',
    ])
    const incoming = embeddedOf(c1, 'messagingInvitation')
    assert.equal(incoming.direction, 'Incoming')
    assert.equal(incoming._embedded.from.uri, sip(alice))
    assert.equal(incoming.threadId, conversation.threadId)
    assert.equal(incoming.subject, 'Plans')
    assert.equal(incoming._links.conversation.href, `${carol.self}/communication/conversations/${cid}`)
    assert.equal(embeddedOf(c1, 'conversation').state, 'Incoming')
    assert.equal((await carol.post(incoming._links.accept.href)).status, 204)

    const c2 = await carol.events()
    assert.deepEqual(im(c2), [
      'conversation:messaging:updated',
      'communication:conversation:updated',
      'conversation:participant:added',
      'conversation:participantMessaging:added in localParticipant',
      'conversation:participantMessaging:added in participant',
      'conversation:participantMessaging:added in participant',
      'communication:messagingInvitation:completed',
    ])
    assert.equal(embeddedOf(c2, 'conversation').state, 'Conferenced')
    assert.equal(embeddedOf(c2, 'conversation').participantCount, 3)
    assert.equal(embeddedOf(c2, 'messaging').state, 'Connected')
    const a2 = await alice.events()
    assert.deepEqual(im(a2), [
      'conversation:participant:added',
      'conversation:participantMessaging:added in participant',
      'communication:conversation:updated',
      'communication:participantInvitation:completed',
    ])
    const done = flat(a2).at(-1)
    assert.equal(done.status, 'Success')
    assert.equal(done._embedded.participantInvitation._embedded.acceptedByParticipant[0].uri, sip(carol))
    assert.equal(embeddedOf(a2, 'conversation').state, 'Conferenced')
    const b2 = await bob.events()
    assert.deepEqual(im(b2), [
      'conversation:participant:added',
      'conversation:participantMessaging:added in participant',
      'communication:conversation:updated',
    ])
    assert.match(flat(b2)[0].link.href, /\/participants\/carol@other\.test$/)
    for (const [client, href] of [
      [alice, a.conversation],
      [bob, b.conversation],
      [carol, incoming._links.conversation.href],
    ] as const) {
      const roster = (await client.get(`${href}/participants`)).json._embedded.participant
      assert.deepEqual(roster.map((p: any) => p.uri).sort(), [sip(alice), sip(bob), sip(carol)].sort())
    }
    // carol joined after "before carol" was sent: it is not hers to read.
    const earlySeq = (early.headers.get('location') ?? '').split('/').at(-1)
    const c = `${carol.self}/communication/conversations/${cid}`
    assert.equal((await carol.get(`${c}/messaging/messages/${earlySeq}`)).status, 404)

    // Messages and typing reach every connected participant.
    const carolJoined: Joined = {
      client: carol,
      conversation: c,
      messaging: `${c}/messaging`,
      sendMessage: `${c}/messaging/messages`,
      invitation: incoming._links.self.href,
    }
    assert.equal((await say(a, 'hello both')).status, 201)
    assert.equal((await say(carolJoined, 'hi from carol')).status, 201)
    assert.deepEqual(texts(await next(bob)), ['hello both', 'hi from carol'])
    const carolView = await next(carol)
    assert.deepEqual(texts(carolView), ['hello both'])
    assert.deepEqual(directions(carolView), ['Incoming', 'Outgoing'])
    const ownView = await next(alice)
    assert.deepEqual(texts(ownView), ['hi from carol'])
    assert.deepEqual(directions(ownView), ['Outgoing', 'Incoming'])
    assert.equal((await bob.post(`${b.messaging}/typing`)).status, 204)
    assert.deepEqual(im(await alice.events()), ['conversation:participant:added in typingParticipants'])
    assert.deepEqual(im(await carol.events()), ['conversation:participant:added in typingParticipants'])

    // bob leaves: alice and carol go on, Conferenced, with two participants. The invitation that
    // brought him in no longer links the conversation (docs/messaging.md, "Links that always
    // answer"), so it is updated first.
    assert.equal((await bob.del(b.conversation)).status, 204)
    const gone = await bob.events()
    assert.deepEqual(im(gone), [
      'communication:messagingInvitation:updated',
      'conversation:messaging:updated',
      'communication:conversation:deleted',
    ])
    assert.deepEqual(Object.keys(embeddedOf(gone, 'messagingInvitation')._links).sort(), ['self', 'to'])
    for (const client of [alice, carol]) {
      const left = await client.events()
      assert.deepEqual(im(left), [
        'conversation:participant:deleted in typingParticipants',
        'conversation:participantMessaging:deleted in participant',
        'conversation:participant:deleted',
        'communication:conversation:updated',
      ])
      assert.match(flat(left)[2].link.href, /\/participants\/bob@example\.test$/)
      assert.equal(embeddedOf(left, 'conversation').state, 'Conferenced')
      assert.equal(embeddedOf(left, 'conversation').participantCount, 2)
    }
    assert.equal((await bob.get(b.conversation)).status, 404)
    assert.equal((await say(carolJoined, 'still here')).status, 201)
    assert.deepEqual(texts(await next(alice)), ['still here'])
    assert.deepEqual(await drainEvents(bob), [])
    await next(carol)

    // alice leaves too: carol is alone, so the conversation ends for her.
    assert.equal((await alice.post(`${a.messaging}/terminate`)).status, 204)
    const last = await carol.events()
    assert.deepEqual(im(last), [
      'conversation:participantMessaging:deleted in participant',
      'conversation:participant:deleted',
      'conversation:messaging:updated',
      'communication:conversation:deleted',
    ])
    assert.equal(embeddedOf(last, 'messaging').state, 'Disconnected')
    assert.equal(flat(last)[2].reason.subcode, 'Ended')
    await next(alice)
  })

  it('a declined, canceled or unanswered participantInvitation fails for the inviter; the conversation goes on', async () => {
    const { t, alice, bob, carol } = users
    const [a, b] = await connect(alice, bob)
    // Declined: the escalation still completes (a conference does not fall back to two-party).
    assert.equal((await addParticipant(a, sip(carol), 'add-d')).status, 201)
    await next(alice)
    await next(bob)
    const incoming = embeddedOf(await carol.events(), 'messagingInvitation')
    assert.equal((await carol.post(incoming._links.decline.href)).status, 204)
    assert.deepEqual(im(await carol.events()), [
      'communication:messagingInvitation:completed',
      'conversation:messaging:updated',
      'communication:conversation:deleted',
    ])
    const declined = await alice.events()
    assert.deepEqual(im(declined), [
      'communication:participantInvitation:completed',
      'communication:conversation:updated',
    ])
    const failed = flat(declined)[0]
    assert.equal(failed.status, 'Failure')
    assert.equal(failed.reason.subcode, 'Declined')
    assert.equal(embeddedOf(declined, 'conversation').state, 'Conferenced')
    assert.equal(embeddedOf(await bob.events(), 'conversation').state, 'Conferenced')

    // Canceled by the inviter through the invitation's cancel link.
    const second = await addParticipant(a, sip(carol), 'add-c')
    assert.equal(second.status, 201)
    assert.deepEqual(im(await alice.events()), ['communication:participantInvitation:started'])
    assert.deepEqual(await drainEvents(bob), [], 'already a conference: nothing changes for bob')
    await next(carol)
    const cancel = (await alice.get(second.headers.get('location') ?? '')).json._links.cancel.href
    assert.equal((await alice.post(cancel)).status, 204)
    assert.equal((await alice.post(cancel)).status, 409, 'already ended')
    const canceled = flat(await alice.events())
    assert.equal(canceled[0].reason.subcode, 'Canceled')
    const gone = await carol.events()
    assert.equal(flat(gone)[0].reason.subcode, 'Canceled')
    assert.deepEqual(im(gone).at(-1), 'communication:conversation:deleted')

    // No answer within 30 s.
    assert.equal((await addParticipant(a, sip(carol), 'add-n')).status, 201)
    await next(alice)
    await next(carol)
    t.clock.advance(31_000)
    await t.server.conversations.expireInvitations()
    assert.equal(flat(await alice.events())[0].reason.subcode, 'NoAnswer')
    assert.ok(flat(await carol.events()).some((e) => e.link.rel === 'conversation' && e.type === 'deleted'))

    // Throughout, alice and bob kept talking.
    assert.equal((await say(b, 'still two of us')).status, 201)
    assert.deepEqual(texts(await next(alice)), ['still two of us'])
    assert.equal((await alice.del(a.conversation)).status, 204)
    await next(alice)
    await next(bob)
  })

  it('an invitation still ringing is withdrawn when the conversation ends', async () => {
    const { alice, bob, carol } = users
    const [a, b] = await connect(alice, bob)
    const added = await addParticipant(a, sip(carol))
    assert.equal(added.status, 201)
    await next(alice)
    await next(bob)
    await next(carol)
    assert.equal((await bob.del(b.conversation)).status, 204)
    const ended = await alice.events()
    assert.deepEqual(im(ended), [
      'conversation:participantMessaging:deleted in participant',
      'conversation:participant:deleted',
      'communication:participantInvitation:completed',
      'conversation:messaging:updated',
      'communication:conversation:deleted',
    ])
    assert.equal(flat(ended)[2].reason.subcode, 'Canceled')
    const carolSide = await carol.events()
    assert.equal(flat(carolSide)[0].reason.subcode, 'Canceled')
    assert.deepEqual(im(carolSide).at(-1), 'communication:conversation:deleted')
    assert.equal((await alice.get(added.headers.get('location') ?? '')).json.state, 'Failed')
    await next(bob)
  })

  it('refuses bad addParticipant requests without side effects', async () => {
    const { alice, bob, carol } = users
    const [a] = await connect(alice, bob)
    const cid = a.conversation.slice(a.conversation.lastIndexOf('/') + 1)
    const add = (client: Client, body: unknown, query = `?conversation=${cid}`) =>
      client.post(`${client.self}/communication/participantInvitations${query}`, body)
    const cases: [string, () => Promise<{ status: number; json: any }>, number, string?][] = [
      ['someone already in it', () => add(alice, { to: sip(bob) }), 409, 'AlreadyExists'],
      ['the caller', () => add(alice, { to: sip(alice) }), 400, 'ParameterValidationFailure'],
      ['not a SIP address', () => add(alice, { to: 'carol at other' }), 400, 'ParameterValidationFailure'],
      ['no to', () => add(alice, { operationId: 'x' }), 400, 'ParameterValidationFailure'],
      ['no conversation', () => add(alice, { to: sip(carol) }, ''), 400, 'ParameterValidationFailure'],
      [
        'malformed JSON',
        () =>
          alice.send(
            'POST',
            `${alice.self}/communication/participantInvitations?conversation=${cid}`,
            '{"to":',
          ),
        400,
      ],
      ['another user’s conversation', () => add(carol, { to: sip(bob) }), 404],
      ['an unknown conversation', () => add(alice, { to: sip(carol) }, '?conversation=nope'), 404],
    ]
    for (const [label, request, status, subcode] of cases) {
      const res = await request()
      assert.equal(res.status, status, label)
      if (subcode) assert.equal(res.json.subcode, subcode, label)
    }
    for (const c of [alice, bob, carol]) assert.deepEqual(await drainEvents(c), [], 'no events')
    assert.equal((await alice.get(a.conversation)).json.state, 'Connected', 'not escalated')

    // Not connected yet: no addParticipant link, and a POST is a conflict.
    await startMessaging(alice, sip(carol))
    const calling = (await next(alice)).find((e) => e.link.rel === 'conversation')._embedded.conversation
    assert.equal(calling.state, 'Connecting')
    assert.equal(calling._links.addParticipant, undefined)
    const callingId = calling._links.self.href.split('/').at(-1)
    assert.equal((await add(alice, { to: sip(bob) }, `?conversation=${callingId}`)).status, 409)
    assert.equal((await alice.del(calling._links.self.href)).status, 204)
    await next(alice)
    await next(carol)

    // An unknown user: 201, then the participantInvitation fails at once; nothing else changes.
    const unknown = await add(alice, { to: 'sip:nobody@example.test', operationId: 'who' })
    assert.equal(unknown.status, 201)
    assert.deepEqual(im(await alice.events()), [
      'communication:participantInvitation:started',
      'communication:participantInvitation:completed',
    ])
    assert.equal((await alice.get(unknown.headers.get('location') ?? '')).json.state, 'Failed')
    assert.deepEqual(await drainEvents(bob), [])
    assert.equal((await alice.get(a.conversation)).json.state, 'Connected')

    // The doc samples' form: POST …/conversations/{id}/addParticipant.
    const alias = await alice.post(`${a.conversation}/addParticipant`, { to: sip(carol) })
    assert.equal(alias.status, 201)
    assert.match(alias.headers.get('location') ?? '', /\/communication\/participantInvitations\/[\w-]+$/)
    await next(alice)
    await next(bob)
    await next(carol)
    assert.equal((await alice.del(a.conversation)).status, 204)
    for (const c of [alice, bob, carol]) await next(c)
  })
})

describe('event consistency: messaging', () => {
  let t: TestServer
  before(async () => {
    t = await startTestServer()
  })
  after(() => t.stop())

  it('holds for both users’ endpoints through invite → accept → send → typing → add → decline → add → join → send → leave', async () => {
    const alice = await signedInApp(t, 'alice')
    const bob1 = await signedInApp(t, 'bob', 'bob-desk')
    const bob2 = await openApp(t, 'bob', bob1.token, 'bob-phone')
    const carol = await signedInApp(t, 'carol')
    const clients = { alice, bob1, bob2, carol }
    for (const c of Object.values(clients)) {
      await available(c)
      await next(c)
    }
    const watched = Object.fromEntries(Object.entries(clients).map(([name, c]) => [name, observed(c, name)]))
    let cid = ''
    const invitations: Record<string, string[]> = { alice: [], bob1: [], bob2: [], carol: [] }
    /**
     * What each client keeps in sync: its invitations, its conversation, and — while the
     * conversation exists both before and after the step (`stable`) — its children. Children of a
     * conversation added or deleted in the step ride on that conversation's event (UCWA names
     * no child when a whole conversation comes or goes), and the participants collection is kept
     * through its members (participant events carry no `in`, as on Lync).
     */
    const observers = (...stable: (keyof typeof clients)[]): Observer[] =>
      Object.entries(clients).map(([name, c]) => {
        const base = `${c.self}/communication/conversations/${cid}`
        const children = stable.includes(name as keyof typeof clients)
          ? [
              `${base}/messaging`,
              `${base}/messaging/typingParticipants`,
              ...Object.values(ADDRESS).flatMap((address) => [
                `${base}/participants/${address}`,
                `${base}/participants/${address}/messaging`,
              ]),
            ]
          : []
        return {
          client: watched[name] as Observer['client'],
          hrefs: [...(invitations[name] ?? []), ...(cid ? [base] : []), ...children],
        }
      })
    const step = (label: string, action: () => Promise<unknown>, ...stable: (keyof typeof clients)[]) =>
      assertConsistent(observers(...stable), action, label)
    const ok = async (pending: Promise<{ status: number; text: string }>, status: number) => {
      const res = await pending
      assert.equal(res.status, status, res.text)
      return res
    }

    let aliceInvitation = ''
    await step('invite', async () => {
      aliceInvitation = (await startMessaging(alice, sip(bob1), 'Hi')).toString()
    })
    const outgoing = (await alice.get(aliceInvitation)).json
    cid = outgoing._links.conversation.href.split('/').at(-1)
    const theirs = (await bob1.get(`${bob1.self}/communication/conversations/${cid}`)).json
    assert.equal(theirs.state, 'Incoming')
    invitations.alice = [aliceInvitation]
    // bob's copy of the invitation has the same id under his applications.
    const id = aliceInvitation.split('/').at(-1)
    invitations.bob1 = [`${bob1.self}/communication/messagingInvitations/${id}`]
    const bobInvitation = `${bob1.self}/communication/messagingInvitations/${id}`
    invitations.bob2 = [`${bob2.self}/communication/messagingInvitations/${id}`]
    const conv = (c: Client) => `${c.self}/communication/conversations/${cid}`

    await step('accept on the desk', () => ok(bob1.post(`${bobInvitation}/accept`), 204), 'alice', 'bob1')
    await step('alice sends', () => ok(say({ ...joined(alice) }, 'Lunch?'), 201), 'alice', 'bob1')
    await step('bob types', () => ok(bob1.post(`${conv(bob1)}/messaging/typing`), 204), 'alice', 'bob1')
    let declinedInvitation = ''
    await step(
      'alice adds carol',
      async () => {
        const res = await ok(addParticipant(joined(alice), sip(carol), 'c1'), 201)
        declinedInvitation = (res as any).headers.get('location')
      },
      'alice',
      'bob1',
    )
    invitations.alice.push(declinedInvitation)
    const carolFirst = `${carol.self}/communication/messagingInvitations/${declinedInvitation.split('/').at(-1)}`
    invitations.carol = [carolFirst]
    await step('carol declines', () => ok(carol.post(`${carolFirst}/decline`), 204), 'alice', 'bob1')
    let joinedInvitation = ''
    await step(
      'alice adds carol again',
      async () => {
        const res = await ok(addParticipant(joined(alice), sip(carol), 'c2'), 201)
        joinedInvitation = (res as any).headers.get('location')
      },
      'alice',
      'bob1',
    )
    invitations.alice.push(joinedInvitation)
    const carolSecond = `${carol.self}/communication/messagingInvitations/${joinedInvitation.split('/').at(-1)}`
    invitations.carol.push(carolSecond)
    await step('carol joins', () => ok(carol.post(`${carolSecond}/accept`), 204), 'alice', 'bob1', 'carol')
    await step('carol sends', () => ok(say(joined(carol), 'Hello all'), 201), 'alice', 'bob1', 'carol')
    await step(
      'carol types',
      () => ok(carol.post(`${conv(carol)}/messaging/typing`), 204),
      'alice',
      'bob1',
      'carol',
    )
    await step('bob leaves', () => ok(bob1.del(conv(bob1)), 204), 'alice', 'carol')
    await step('alice sends to carol', () => ok(say(joined(alice), 'Two of us'), 201), 'alice', 'carol')
    await step('alice stops messaging: the conversation ends', () =>
      ok(alice.post(`${conv(alice)}/messaging/terminate`), 204),
    )
    // Gone for those who left (or never joined); carol, on whom it ended, still reads it.
    for (const c of [alice, bob1, bob2]) assert.equal((await c.get(conv(c))).status, 404)
    assert.equal((await carol.get(conv(carol))).json.state, 'Disconnected')

    function joined(c: Client): Joined {
      const base = conv(c)
      return {
        client: c,
        conversation: base,
        messaging: `${base}/messaging`,
        sendMessage: `${base}/messaging/messages`,
        invitation: '',
      }
    }
  })
})
