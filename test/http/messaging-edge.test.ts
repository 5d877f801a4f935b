// Instant messaging at its edges, over real HTTP: every bad input refused without side effects,
// other users' ids answered as missing, answering twice, the per-sender rate limit, order under
// a burst of sends, and a restart between a send and its delivery.
import assert from 'node:assert/strict'
import { before, beforeEach, describe, it } from 'node:test'
import {
  connect,
  dataText,
  directions,
  drainEvents,
  embeddedOf,
  flat,
  type Joined,
  next,
  say,
  sip,
  startMessaging,
  texts,
  withAvailableUsers,
} from '../helpers/messaging.ts'
import { request, startTestServer } from '../helpers/server.ts'
import { availableAll, type Client, HOME, signedInApp } from '../helpers/ucwa-client.ts'

const TEXT = { 'content-type': 'text/plain' }

/** Asserts that none of `clients` has anything queued and returns nothing. */
async function quiet(label: string, ...clients: Client[]): Promise<void> {
  for (const c of clients) assert.deepEqual(await drainEvents(c), [], `${label}: ${c.user} got events`)
}

/** The seq at the end of a message href. */
const seqOf = (href: string): number => Number(href.slice(href.lastIndexOf('/') + 1))

describe('messaging refuses bad input without side effects', () => {
  const users = withAvailableUsers('alice', 'bob', 'carol')
  let a: Joined
  let b: Joined
  before(async () => {
    ;[a, b] = await connect(users.alice, users.bob)
  })
  beforeEach(() => users.t.clock.advance(11_000)) // a fresh rate window per test

  it('startMessaging: malformed JSON, a missing or invalid to, a first message that is not a text data URI', async () => {
    const { alice, bob } = users
    const start = `${alice.self}/communication/messagingInvitations`
    const cases: [string, () => Promise<{ status: number; json: any }>, number, string][] = [
      [
        'malformed JSON',
        () => alice.send('POST', start, '{"to":"sip:bob@example.test",'),
        400,
        'DeserializationFailure',
      ],
      [
        'a JSON array',
        () => alice.send('POST', start, '["sip:bob@example.test"]'),
        400,
        'ParameterValidationFailure',
      ],
      ['no to', () => alice.post(start, { subject: 'x' }), 400, 'ParameterValidationFailure'],
      ['an empty to', () => alice.post(start, { to: '' }), 400, 'ParameterValidationFailure'],
      [
        'to that is not an address',
        () => alice.post(start, { to: 'bob' }),
        400,
        'ParameterValidationFailure',
      ],
      ['to as a number', () => alice.post(start, { to: 42 }), 400, 'ParameterValidationFailure'],
      ['to the caller', () => alice.post(start, { to: sip(alice) }), 400, 'ParameterValidationFailure'],
      [
        'a first message that is an http URL',
        () => alice.post(start, { to: sip(bob), _links: { message: { href: 'http://example.test/x' } } }),
        400,
        'ParameterValidationFailure',
      ],
      [
        'a first message that is an image',
        () =>
          alice.post(start, {
            to: sip(bob),
            _links: { message: { href: 'data:image/png;base64,iVBORw0K' } },
          }),
        400,
        'ParameterValidationFailure',
      ],
      [
        'an empty first message',
        () => alice.post(start, { to: sip(bob), _links: { message: { href: 'data:text/plain,' } } }),
        400,
        'ParameterValidationFailure',
      ],
      [
        'an unknown importance',
        () => alice.post(start, { to: sip(bob), importance: 'Huge' }),
        400,
        'ParameterValidationFailure',
      ],
      [
        'XML it cannot read',
        () => alice.send('POST', start, '<input', { 'content-type': 'application/xml' }),
        400,
        '',
      ],
      [
        'a form body',
        () => alice.send('POST', start, 'to=sip:bob@example.test', { 'content-type': 'image/png' }),
        415,
        '',
      ],
    ]
    for (const [label, send, status, subcode] of cases) {
      const res = await send()
      assert.equal(res.status, status, `${label}: ${JSON.stringify(res.json)}`)
      if (subcode) assert.equal(res.json.subcode, subcode, label)
    }
    const list = await alice.get(`${alice.self}/communication/conversations`)
    assert.deepEqual(
      list.json._embedded.conversation.map((c: any) => c._links.self.href),
      [a.conversation],
      'no conversation was created',
    )
    await quiet('bad startMessaging', alice, bob)
  })

  it('sendMessage: another content type (415), an empty body, a body over the limit (413)', async () => {
    const { alice, bob } = users
    const cases: [string, string, Record<string, string>, number][] = [
      ['JSON', '{"text":"hi"}', { 'content-type': 'application/json' }, 415],
      ['octets', 'hi', { 'content-type': 'application/octet-stream' }, 415],
      ['an empty body', '', TEXT, 400],
      ['only whitespace', ' \r\n\t', TEXT, 400],
      ['64 KiB + 1', 'x'.repeat(64 * 1024 + 1), TEXT, 413],
      ['multi-byte text over the limit', 'é'.repeat(32 * 1024 + 1), TEXT, 413],
    ]
    for (const [label, body, headers, status] of cases) {
      const res = await alice.send('POST', a.sendMessage, body, headers)
      assert.equal(res.status, status, `${label}: ${res.text}`)
      assert.equal(res.headers.get('location'), null, label)
    }
    // The doc samples' aliases: messaging/sendMessage and messaging/setIsTyping.
    assert.equal((await alice.send('POST', `${a.messaging}/sendMessage`, 'via the alias', TEXT)).status, 201)
    assert.equal((await alice.post(`${a.messaging}/setIsTyping`)).status, 204)
    assert.deepEqual(
      (await next(bob)).map((e) => `${e.link.rel}:${e.type}${e.in ? ` in ${e.in.rel}` : ''}`),
      ['message:completed', 'participant:added in typingParticipants'],
    )
    await next(alice)
    // The largest allowed body goes through, intact.
    const largest = 'y'.repeat(64 * 1024)
    assert.equal((await say(a, largest)).status, 201)
    const got = await next(bob)
    assert.deepEqual(texts(got), [largest])
    await next(alice)
    await quiet('after the refused sends', alice, bob)
  })

  it('sendMessage and typing before the invitation is accepted: 409, nothing delivered', async () => {
    const { alice, carol } = users
    await startMessaging(alice, sip(carol), 'Are you there?')
    const calling = embeddedOf(await alice.events(), 'messaging')
    const ringing = embeddedOf(await carol.events(), 'messagingInvitation')
    assert.equal(calling.state, 'Connecting')
    assert.equal(calling._links.sendMessage, undefined)
    const mine = calling._links.self.href
    const theirs = ringing._links.messaging.href
    for (const [c, href] of [
      [alice, mine],
      [carol, theirs],
    ] as const) {
      const sent = await c.send('POST', `${href}/messages`, 'too early', TEXT)
      assert.equal(sent.status, 409, sent.text)
      assert.equal((await c.post(`${href}/typing`)).status, 409)
    }
    await quiet('before acceptance', alice, carol)
    assert.equal((await alice.post(`${mine}/terminate`)).status, 204)
    await next(alice)
    await next(carol)
  })

  it('another user’s conversation, invitation and message ids are 404, and nothing changes', async () => {
    const { alice, bob, carol } = users
    const sent = await say(a, 'private')
    const seq = seqOf(sent.headers.get('location') ?? '')
    await next(alice)
    await next(bob)
    const cid = a.conversation.slice(a.conversation.lastIndexOf('/') + 1)
    const invitationId = a.invitation.slice(a.invitation.lastIndexOf('/') + 1)
    const theirs = `${carol.self}/communication/conversations/${cid}`
    const invitation = `${carol.self}/communication/messagingInvitations/${invitationId}`
    const attempts: [string, () => Promise<{ status: number }>][] = [
      ['GET conversation', () => carol.get(theirs)],
      ['GET messaging', () => carol.get(`${theirs}/messaging`)],
      ['GET participants', () => carol.get(`${theirs}/participants`)],
      ['GET a participant', () => carol.get(`${theirs}/participants/alice@example.test`)],
      ['GET typingParticipants', () => carol.get(`${theirs}/messaging/typingParticipants`)],
      ['GET a message', () => carol.get(`${theirs}/messaging/messages/${seq}`)],
      ['sendMessage', () => carol.send('POST', `${theirs}/messaging/messages`, 'intrusion', TEXT)],
      ['setIsTyping', () => carol.post(`${theirs}/messaging/typing`)],
      ['terminate', () => carol.post(`${theirs}/messaging/terminate`)],
      ['DELETE conversation', () => carol.del(theirs)],
      ['GET invitation', () => carol.get(invitation)],
      ['accept', () => carol.post(`${invitation}/accept`)],
      ['decline', () => carol.post(`${invitation}/decline`)],
      [
        'GET as participantInvitation',
        () => carol.get(`${carol.self}/communication/participantInvitations/${invitationId}`),
      ],
      [
        'cancel',
        () => carol.post(`${carol.self}/communication/participantInvitations/${invitationId}/cancel`),
      ],
      // alice's own application paths, with carol's token
      ['alice’s application', () => carol.get(a.conversation)],
      ['alice’s sendMessage', () => carol.send('POST', a.sendMessage, 'intrusion', TEXT)],
    ]
    for (const [label, attempt] of attempts) {
      const res = await attempt()
      assert.equal(res.status, 404, label)
    }
    // bob, a participant, still cannot act on alice's side of it.
    assert.equal(
      (await bob.get(`${bob.self}/communication/participantInvitations/${invitationId}`)).status,
      404,
    )
    assert.equal((await alice.post(`${a.invitation}/accept`)).status, 404, 'the inviter cannot accept')
    assert.equal((await alice.get(a.conversation)).json.state, 'Connected')
    assert.equal((await bob.get(b.conversation)).json.state, 'Connected')
    await quiet('after the intrusions', alice, bob, carol)
  })

  it('answering twice: accept again or decline after accepting is 409', async () => {
    const { alice, bob } = users
    assert.equal((await bob.post(`${b.invitation}/accept`)).status, 409)
    assert.equal((await bob.post(`${b.invitation}/decline`)).status, 409)
    assert.equal((await bob.get(b.invitation)).json.state, 'Connected')
    await quiet('after answering twice', alice, bob)
  })

  it('limits each sender to 100 messages per 10 s (429 with Retry-After); refused sends are not delivered', async () => {
    const { t, alice, bob } = users
    for (let i = 1; i <= 100; i++) assert.equal((await say(a, `m${i}`)).status, 201, `message ${i}`)
    const refused = await say(a, 'one too many')
    assert.equal(refused.status, 429)
    assert.equal(refused.json.code, 'TooManyRequests')
    assert.equal(refused.headers.get('retry-after'), '10')
    assert.equal(refused.headers.get('location'), null)
    // Per sender: bob may still answer.
    assert.equal((await say(b, 'I can still talk')).status, 201)
    const got = texts((await drainEvents(bob)).filter((e) => e._embedded?.message?.direction === 'Incoming'))
    assert.equal(got.length, 100)
    assert.equal(got.at(-1), 'm100')
    assert.ok(!got.includes('one too many'))
    assert.deepEqual(texts(await drainEvents(alice)).slice(-1), ['I can still talk'])
    t.clock.advance(10_000)
    assert.equal((await say(a, 'after the window')).status, 201)
    assert.deepEqual(texts(await next(bob)), ['after the window'])
    await next(alice)
  })
})

describe('message order', () => {
  const users = withAvailableUsers('alice', 'bob')
  let a: Joined
  let b: Joined
  before(async () => {
    ;[a, b] = await connect(users.alice, users.bob)
  })

  it('is preserved for a burst of sends one after another', async () => {
    const { alice, bob } = users
    const sent: number[] = []
    for (let i = 0; i < 60; i++) {
      const res = await say(a, `burst ${i}`)
      assert.equal(res.status, 201)
      sent.push(seqOf(res.headers.get('location') ?? ''))
    }
    assert.deepEqual(
      sent,
      [...sent].sort((x, y) => x - y),
      'seqs increase',
    )
    const received = await drainEvents(bob)
    assert.deepEqual(
      texts(received),
      sent.map((_, i) => `burst ${i}`),
    )
    assert.deepEqual(
      received.map((e) => seqOf(e.link.href)),
      sent,
    )
    await drainEvents(alice)
  })

  it('is one order for everyone under concurrent sends from both sides', async () => {
    const { t, alice, bob } = users
    t.clock.advance(11_000)
    const sends = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? say(a, `a${i}`) : say(b, `b${i}`)))
    const results = await Promise.all(sends)
    for (const r of results) assert.equal(r.status, 201)
    const seen = async (c: Client) => (await drainEvents(c)).filter((e) => e.link.rel === 'message')
    const atAlice = await seen(alice)
    const atBob = await seen(bob)
    const seqs = (events: any[]) => events.map((e) => seqOf(e.link.href))
    assert.equal(atAlice.length, 40)
    assert.deepEqual(seqs(atAlice), seqs(atBob), 'both see the same order')
    assert.deepEqual(
      seqs(atAlice),
      [...seqs(atAlice)].sort((x, y) => x - y),
      'the order of the seqs',
    )
    // What each seq said, from the Locations; each side's own messages are Outgoing (no body, as
    // SendAnIM.md shows), the other's Incoming with the text.
    const said = new Map(
      results.map((r, i) => [seqOf(r.headers.get('location') ?? ''), i % 2 === 0 ? `a${i}` : `b${i}`]),
    )
    assert.equal(said.size, 40)
    for (const [c, mine] of [
      [atAlice, 'a'],
      [atBob, 'b'],
    ] as const) {
      for (const e of c) {
        const text = said.get(seqOf(e.link.href)) ?? ''
        const own = text.startsWith(mine)
        assert.equal(e._embedded.message.direction, own ? 'Outgoing' : 'Incoming')
        if (!own) assert.equal(dataText(e._embedded.message._links.plainMessage.href), text)
      }
    }
  })
})

describe('messaging across a restart', () => {
  it('loses nothing sent before the restart: the recipient’s P-GET with its last ack gets it', async () => {
    const first = await startTestServer()
    const alice = await signedInApp(first, 'alice')
    const bob = await signedInApp(first, 'bob')
    await availableAll(alice, bob)
    const [a, b] = await connect(alice, bob)
    assert.equal((await say(a, 'sent before the restart')).status, 201)
    const pending = bob.next
    await first.server.stop()

    const second = await startTestServer({ dir: first.dir })
    const as = (c: Client) => ({ host: HOME[c.user], token: c.token })
    try {
      const res = await request(second.internal, `${pending}&timeout=5`, as(bob))
      assert.equal(res.status, 200, res.text)
      const events = flat(res.json)
      assert.deepEqual(texts(events), ['sent before the restart'])
      assert.equal(events.find((e) => e.link.rel === 'message')._embedded.message.direction, 'Incoming')
      // The conversation is still connected on both sides: bob answers, alice gets it.
      const reply = await request(second.internal, b.sendMessage, {
        ...as(bob),
        method: 'POST',
        headers: TEXT,
        body: 'and after it',
      })
      assert.equal(reply.status, 201, reply.text)
      let ack = alice.next
      const got: any[] = []
      for (let i = 0; i < 3 && !texts(got).includes('and after it'); i++) {
        const batch = await request(second.internal, `${ack}&timeout=2`, as(alice))
        assert.equal(batch.status, 200)
        got.push(...flat(batch.json))
        ack = batch.json._links.next.href
      }
      assert.deepEqual(texts(got), ['and after it'])
      assert.deepEqual(directions(got), ['Outgoing', 'Incoming'], 'alice’s own message survived too')
    } finally {
      await second.stop()
      await first.stop()
    }
  })
})

describe('an endpoint that goes away mid-conversation', () => {
  it('leaves its conversations: deleted or expired, the others are told', async () => {
    const { startTestServer } = await import('../helpers/server.ts')
    const { available, signedInApp, summary } = await import('../helpers/ucwa-client.ts')
    const t = await startTestServer()
    try {
      const pair = async (endpoint: string) => {
        const alice = await signedInApp(t, 'alice', `alice-${endpoint}`)
        const bob = await signedInApp(t, 'bob', `bob-${endpoint}`)
        await available(alice)
        await available(bob)
        await alice.events()
        await bob.events()
        const res = await alice.post(`${alice.self}/communication/messagingInvitations`, {
          to: 'sip:bob@example.test',
        })
        assert.equal(res.status, 201)
        await alice.events()
        const started = (await bob.events()).sender
          .flatMap((s: any) => s.events)
          .find((e: any) => e.link.rel === 'messagingInvitation')
        assert.equal((await bob.post(started._embedded.messagingInvitation._links.accept.href)).status, 204)
        await alice.events()
        await bob.events()
        return { alice, bob }
      }
      // Deleted: bob's application goes; alice is told he left and the conversation ends.
      const one = await pair('deleted')
      assert.equal((await one.bob.send('DELETE', one.bob.self)).status, 204)
      const told = summary(await one.alice.events())
      assert.ok(told.includes('conversation:participant:deleted'), told.join(', '))
      assert.ok(told.includes('communication:conversation:deleted'), told.join(', '))
      // Expired: bob stops polling; once his application expires the tick tells alice.
      const two = await pair('expired')
      t.clock.advance(10 * 60_000)
      await two.alice.events() // alice's own activity keeps her application alive
      t.clock.advance(6 * 60_000)
      await t.server.conversations.dropExpiredEndpoints()
      const expired = summary(await two.alice.events())
      assert.ok(expired.includes('communication:conversation:deleted'), expired.join(', '))
    } finally {
      await t.stop()
    }
  })
})

describe('HTML to an endpoint that reads only plain text', () => {
  it('delivers the text, as plainMessage, where Html was not negotiated', async () => {
    const { startTestServer } = await import('../helpers/server.ts')
    const { available, signedInApp } = await import('../helpers/ucwa-client.ts')
    const t = await startTestServer()
    try {
      const alice = await signedInApp(t, 'alice', 'html-alice')
      const bob = await signedInApp(t, 'bob', 'plain-bob')
      await available(alice)
      await available(bob, { SupportedModalities: ['Messaging'], SupportedMessageFormats: ['Plain'] })
      await alice.events()
      await bob.events()
      await alice.post(`${alice.self}/communication/messagingInvitations`, { to: 'sip:bob@example.test' })
      await alice.events()
      const invitation = (await bob.events()).sender
        .flatMap((s: any) => s.events)
        .find((e: any) => e.link.rel === 'messagingInvitation')._embedded.messagingInvitation
      await bob.post(invitation._links.accept.href)
      const messaging = (await alice.events()).sender
        .flatMap((s: any) => s.events)
        .find((e: any) => e.link.rel === 'messaging' && e._embedded)._embedded.messaging
      await bob.events()
      const sent = await alice.send(
        'POST',
        messaging._links.sendMessage.href,
        '<b>Fish</b> &amp; chips<br>at 1',
        {
          'content-type': 'text/html',
        },
      )
      assert.equal(sent.status, 201)
      const got = (await bob.events()).sender
        .flatMap((s: any) => s.events)
        .find((e: any) => e.link.rel === 'message')._embedded.message
      assert.equal(got._links.htmlMessage, undefined, JSON.stringify(got))
      assert.ok(got._links.plainMessage, JSON.stringify(got))
      const href: string = got._links.plainMessage.href
      assert.equal(
        decodeURIComponent(href.slice(href.indexOf(',') + 1).replace(/\+/g, ' ')),
        'Fish & chips\nat 1',
      )
      // The sender's own comes back without a body (SendAnIM.md).
      const own = (await alice.events()).sender
        .flatMap((s: any) => s.events)
        .find((e: any) => e.link.rel === 'message')._embedded.message
      assert.equal(own.direction, 'Outgoing')
      assert.deepEqual(Object.keys(own._links).sort(), ['messaging', 'self'])
    } finally {
      await t.stop()
    }
  })
})
