// Replies the way published bots send them: to the invitation's first message (delivered as a
// message once accepted, as ReceiveAnIM.md shows) and to a message's own href. Real HTTP.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, it } from 'node:test'
import {
  connect,
  dataText,
  flat,
  next,
  sip,
  startMessaging,
  withAvailableUsers,
} from '../helpers/messaging.ts'
import { request } from '../helpers/server.ts'
import { HOME } from '../helpers/ucwa-client.ts'

/** The headers a .NET HttpClient bot sends with a text body (StringContent, UTF-8). */
const TEXT = { 'content-type': 'text/plain; charset=utf-8', accept: 'application/json' }

/** The incoming message events of a batch. */
const incomingMessages = (events: readonly any[]) =>
  events.filter((e) => e.link.rel === 'message' && e._embedded?.message?.direction === 'Incoming')

describe('replies', () => {
  const users = withAvailableUsers('alice', 'bob', 'carol')

  // ankitbko/ucwa-bot, SFBBot-UCWA/UcwaSfbo/UcwaReciveMessage.cs: the bot accepts an incoming
  // invitation with an empty POST to its `accept` link, then answers only `message` completed
  // events whose embedded message is Incoming: it reads plainMessage and POSTs its answer as
  // text/plain to `<message._links.messaging>/messages?OperationContext=<guid>`
  // (UcwaSendMessage.cs, SendIM_Step05). It never answers the invitation's own `message` link,
  // so on Parley it never answered a conversation's first line: real pools delivered that line
  // as a message event once accepted (ReceiveAnIM.md, the last step).
  it('delivers the first message to the accepting bot as a message, which it answers', async () => {
    const { alice, bob: bot } = users
    await startMessaging(alice, sip(bot), 'Hi bot, what time is it?')
    const ringing = flat(await bot.events()).find(
      (e) => e.link.rel === 'messagingInvitation' && e.type === 'started',
    )
    const invitation = ringing._embedded.messagingInvitation
    const accepted = await bot.send('POST', invitation._links.accept.href, undefined, {
      accept: 'application/json',
      'content-length': '0',
    })
    assert.equal(accepted.status, 204, accepted.text)

    const events = flat(await bot.events())
    const order = events.map((e) => `${e.link.rel}:${e.type}`)
    const first = incomingMessages(events)
    assert.equal(first.length, 1, order.join(', '))
    assert.ok(
      order.indexOf('message:completed') > order.indexOf('messagingInvitation:completed'),
      `the message follows the invitation's completion: ${order.join(', ')}`,
    )
    const event = first[0]
    assert.equal(event.sender, 'conversation')
    assert.equal(event.status, 'Success')
    const message = event._embedded.message
    assert.equal(dataText(message._links.plainMessage.href), 'Hi bot, what time is it?')
    assert.equal(message._links.participant.title, 'Alice Adams')
    assert.match(message._links.contact.href, /\/people\/alice@example\.test$/)
    assert.equal(message._links.messaging.href, invitation._links.messaging.href)
    assert.equal(message._links.self.href, event.link.href)
    // The event's copy is what a GET returns.
    const fresh = await bot.get(message._links.self.href)
    assert.equal(fresh.status, 200, fresh.text)
    assert.deepEqual(fresh.json, message)

    const answer = await bot.send(
      'POST',
      `${message._links.messaging.href}/messages?OperationContext=${randomUUID()}`,
      'It is noon.',
      TEXT,
    )
    assert.equal(answer.status, 201, answer.text)
    assert.match(answer.headers.get('location') ?? '', /\/messaging\/messages\/\d+$/)

    // The sender heard nothing of its own first line again; it gets the answer.
    const toAlice = flat(await alice.events())
    assert.deepEqual(
      incomingMessages(toAlice).map((e) => dataText(e._embedded.message._links.plainMessage.href)),
      ['It is noon.'],
    )
    assert.equal(
      toAlice.filter((e) => e.link.rel === 'message').length,
      1,
      'no message event for the first line on the sending side (ReceiveAnIM.md shows it to the accepting side)',
    )
    // The sender reads its first line too, as its own.
    const own = await alice.get(message._links.self.href.replace(bot.self, alice.self))
    assert.equal(own.status, 200, own.text)
    assert.equal(own.json.direction, 'Outgoing')
    await alice.post(
      `${invitation._links.conversation.href.replace(bot.self, alice.self)}/messaging/terminate`,
    )
    await next(alice)
    await next(bot)
  })

  // dadecoza/python-ucwa-bot, python3/s4b_bot.py: process_events() hands every `message` event
  // whose links hold a plainMessage to the bot's callback — whatever its direction — and the
  // callback replies to it. Its own messages must come back as SendAnIM.md shows them (step 12:
  // Outgoing, links `self` and `messaging` only), or it answers itself forever.
  it('returns the sender’s own message without a body, so a bot does not answer itself', async () => {
    const { alice, bob: bot } = users
    const [a] = await connect(alice, bot)
    const sent = await bot.send(
      'POST',
      `${a.messaging.replace(alice.self, bot.self)}/messages`,
      'Build is green',
      {
        'content-type': 'text/plain',
      },
    )
    assert.equal(sent.status, 201, sent.text)
    const own = flat(await bot.events()).filter((e) => e.link.rel === 'message')
    assert.equal(own.length, 1)
    const message = own[0]._embedded.message
    assert.equal(message.direction, 'Outgoing')
    assert.deepEqual(Object.keys(message._links).sort(), ['messaging', 'self'])
    assert.deepEqual((await bot.get(message._links.self.href)).json, message, 'a GET shows the same')
    const theirs = incomingMessages(await next(alice))
    assert.equal(dataText(theirs[0]._embedded.message._links.plainMessage.href), 'Build is green')
    assert.equal((await alice.post(`${a.messaging}/terminate`)).status, 204)
    await next(alice)
    await next(bot)
  })

  // dadecoza/python-ucwa-bot, python3/s4b_bot.py: Message.reply() POSTs the answer to the
  // received message's own `self` href, `Content-Type: text/plain` (no charset), only an
  // Authorization besides, no query. message_ref.md documents only GET there; Parley takes it as
  // sendMessage into that message's conversation. The message is always one the bot received.
  it('takes a POST to a readable message’s href as sendMessage, and 404s any other', async () => {
    const { t, alice, bob: bot, carol } = users
    const [a, b] = await connect(alice, bot)
    const sent = await alice.send('POST', `${a.sendMessage}?OperationContext=q1`, 'Are you there?', TEXT)
    assert.equal(sent.status, 201)
    const incoming = incomingMessages(await next(bot))[0]._embedded.message
    const href = incoming._links.self.href

    const reply = await request(t.internal, href, {
      method: 'POST',
      host: HOME.bob,
      headers: { 'Content-Type': 'text/plain', Authorization: `Bearer ${bot.token}` },
      body: 'Yes.',
    })
    assert.equal(reply.status, 201, reply.text)
    const location = reply.headers.get('location') ?? ''
    assert.match(location, new RegExp(`^${b.messaging}/messages/\\d+$`))
    assert.notEqual(location, href, 'the Location names the new message')
    assert.equal((await bot.get(location)).json.direction, 'Outgoing')
    // An operation id rides along as on sendMessage.
    const tagged = await bot.send('POST', `${href}?OperationContext=r1`, 'Really.', TEXT)
    assert.equal((await bot.get(tagged.headers.get('location') ?? '')).json.operationId, 'r1')
    const got = incomingMessages(await next(alice))
    assert.deepEqual(
      got.map((e) => dataText(e._embedded.message._links.plainMessage.href)),
      ['Yes.', 'Really.'],
    )
    await next(bot)

    // HTML the same way (SkypeConsoleBot-style bots send text/html).
    const html = await bot.send('POST', href, '<b>Still here</b>', { 'content-type': 'text/html' })
    assert.equal(html.status, 201, html.text)
    await next(alice)
    await next(bot)

    // Its own message's href works too; the sender may reply under its own.
    const own = await alice.send('POST', sent.headers.get('location') ?? '', 'And you?', TEXT)
    assert.equal(own.status, 201, own.text)
    await next(alice)
    await next(bot)

    // Refused, nothing sent: unknown seq, not a number, another user's app, wrong media type,
    // empty body.
    const seq = Number(href.split('/').at(-1))
    const refusals: [string, Promise<{ status: number }>, number][] = [
      ['unknown seq', bot.send('POST', `${b.messaging}/messages/${seq + 1000}`, 'x', TEXT), 404],
      ['not a seq', bot.send('POST', `${b.messaging}/messages/abc`, 'x', TEXT), 404],
      ["another user's application", carol.send('POST', href.replace(bot.self, carol.self), 'x', TEXT), 404],
      ['not text', bot.send('POST', href, '{"a":1}', { 'content-type': 'application/json' }), 415],
      ['empty', bot.send('POST', href, '   ', TEXT), 400],
    ]
    for (const [label, pending, status] of refusals) assert.equal((await pending).status, status, label)
    assert.equal((await alice.events(1)).sender.length, 0, 'nothing reached alice')

    // Once bot has left, the message is no longer its to reply to.
    assert.equal((await bot.post(`${b.messaging}/terminate`)).status, 204)
    assert.equal((await bot.send('POST', href, 'late', TEXT)).status, 404)
    await next(alice)
    await next(bot)
  })
})
