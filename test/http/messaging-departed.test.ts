// Links clients follow out of conversations: a message's participant after its sender left, the
// participant's own links in every state, and the modality links every conversation carries.
// Real HTTP.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  addAndJoin,
  addParticipant,
  assertLinksAnswer,
  connect,
  flat,
  next,
  say,
  sip,
  startMessaging,
  withAvailableUsers,
} from '../helpers/messaging.ts'
import type { Client } from '../helpers/ucwa-client.ts'

/** The actions a conversation or messaging resource links; they are POSTed, not fetched. */
const ACTIONS = ['addParticipant', 'stopMessaging', 'sendMessage', 'setIsTyping']

const MODALITIES = ['applicationSharing', 'audioVideo', 'dataCollaboration', 'phoneAudio']

describe('a participant who left', () => {
  const users = withAvailableUsers('alice', 'bob', 'carol')

  // kenakamu/UCWA2.0-CS, UCWASDK/UCWASDK/Models/Message.cs: GetParticipant() GETs the message's
  // `participant` link to learn who sent it (as ReceiveAnIM.md step 11 GETs the sender's
  // participant); a sender who said something and stopped at once must still be readable there.
  it('stays readable from its messages, in its final state, while the conversation goes on', async () => {
    const { alice, bob, carol } = users
    const [a, b] = await connect(alice, bob)
    const c = await addAndJoin(a, carol, [bob], 'add-carol')

    // carol says goodbye and stops at once.
    assert.equal((await say(c, 'Got to go, bye!')).status, 201)
    assert.equal((await carol.post(`${c.messaging}/terminate`)).status, 204)
    await next(carol)

    const events = flat(await alice.events())
    const message = events.find((e) => e.link.rel === 'message')._embedded.message
    assert.ok(
      events.some((e) => e.link.rel === 'participant' && e.type === 'deleted'),
      'carol left',
    )
    const res = await alice.get(message._links.participant.href)
    assert.equal(res.status, 200, res.text)
    const departed = res.json
    assert.equal(departed.rel, 'participant')
    assert.equal(departed.uri, 'sip:carol@other.test')
    assert.equal(departed.name, message._links.participant.title)
    assert.equal(departed.sourceNetwork, 'SameEnterprise')
    assert.equal(departed.anonymous, false)
    assert.equal(departed._links.self.href, message._links.participant.href)
    // No participantMessaging any more: not linked, and its href answers 404.
    assert.equal(departed._links.messaging, undefined)
    assert.equal((await alice.get(`${departed._links.self.href}/messaging`)).status, 404)
    assert.deepEqual((await assertLinksAnswer(alice, departed)).sort(), [
      'contact',
      'contactPhoto',
      'contactPresence',
      'conversation',
      'self',
    ])
    // The message stays readable, and carol is no longer among the participants.
    assert.equal((await alice.get(message._links.self.href)).status, 200)
    const participants = (await alice.get(`${a.conversation}/participants`)).json
    assert.deepEqual(participants._embedded.participant.map((p: any) => p.uri).sort(), [
      'sip:alice@example.test',
      'sip:bob@example.test',
    ])
    assert.equal((await alice.get(a.conversation)).json.participantCount, 2)
    // bob reads her the same way; carol herself is out of the conversation.
    assert.equal((await bob.get(message._links.participant.href.replace(alice.self, bob.self))).status, 200)
    assert.equal(
      (await carol.get(message._links.participant.href.replace(alice.self, carol.self))).status,
      404,
    )
    await next(bob)

    // Back in again, she is a participant with messaging once more.
    await addAndJoin(a, carol, [bob], 'again')
    const back = (await alice.get(message._links.participant.href)).json
    assert.ok(back._links.messaging, 'linked again')
    assert.equal((await alice.get(back._links.messaging.href)).status, 200)

    assert.equal((await alice.post(`${a.messaging}/terminate`)).status, 204)
    assert.equal((await bob.post(`${b.messaging}/terminate`)).status, 204)
    for (const x of [alice, bob, carol]) await next(x)
  })

  // dadecoza/python-ucwa-bot, python3/s4b_bot.py: process_events() GETs the `participant` link of
  // every message event with a plainMessage before anything else, and its get() answers a 404 by
  // signing in again and retrying — forever. Someone who says "bye" and closes the window ends a
  // two-party conversation before the bot asks.
  it('stays readable after a two-party conversation ended, with the conversation Disconnected', async () => {
    const { alice, bob } = users
    const [a, b] = await connect(alice, bob)
    assert.equal((await say(a, 'Thanks, bye')).status, 201)
    assert.equal((await alice.del(a.conversation)).status, 204)
    await next(alice)

    const events = flat(await bob.events())
    assert.ok(events.some((e) => e.link.rel === 'conversation' && e.type === 'deleted'))
    const message = events.find((e) => e.link.rel === 'message')._embedded.message
    const res = await bob.get(message._links.participant.href)
    assert.equal(res.status, 200, res.text)
    assert.equal(res.json.uri, 'sip:alice@example.test')
    assert.equal(res.json._links.messaging, undefined)
    await assertLinksAnswer(bob, res.json)
    assert.equal((await bob.get(message._links.self.href)).status, 200)
    // bob's own participant too (the `participant` of what he sent).
    assert.equal((await bob.get(`${b.conversation}/participants/bob@example.test`)).status, 200)

    // The conversation reads as ended: Disconnected, nobody in it, no actions.
    const ended = (await bob.get(b.conversation)).json
    assert.equal(ended.state, 'Disconnected')
    assert.equal(ended.participantCount, 0)
    assert.deepEqual(ended.activeModalities, [])
    assert.equal(ended._links.localParticipant, undefined)
    assert.equal(ended._links.addParticipant, undefined)
    await assertLinksAnswer(bob, ended)
    const messaging = (await bob.get(b.messaging)).json
    assert.equal(messaging.state, 'Disconnected')
    assert.deepEqual(Object.keys(messaging._links).sort(), ['conversation', 'self'])
    assert.deepEqual((await bob.get(`${b.conversation}/participants`)).json._embedded.participant, [])
    const list = (await bob.get(`${bob.self}/communication/conversations`)).json
    assert.deepEqual(list._embedded.conversation, [], 'not among the live conversations')
    // Nothing can be done in it; alice, who left, reads none of it.
    assert.equal((await say(b, 'wait!')).status, 404)
    assert.equal(
      (await bob.send('POST', message._links.self.href, 'wait!', { 'content-type': 'text/plain' })).status,
      404,
    )
    assert.equal((await bob.post(`${b.messaging}/typing`)).status, 404)
    assert.equal((await alice.get(a.conversation)).status, 404)
    assert.equal((await alice.get(message._links.participant.href.replace(bob.self, alice.self))).status, 404)
    assert.equal((await alice.events(1)).sender.length, 0, 'alice was told nothing more')
    // DELETE forgets it, quietly.
    assert.equal((await bob.del(b.conversation)).status, 204)
    assert.equal((await bob.get(b.conversation)).status, 404)
    assert.equal((await bob.get(message._links.participant.href)).status, 404)
    assert.equal((await bob.events(1)).sender.length, 0, 'bob was told nothing more')
  })

  it('is not invented for an invitee who never joined', async () => {
    const { alice, bob, carol } = users
    const [a] = await connect(alice, bob)
    assert.equal((await addParticipant(a, sip(carol), 'declined')).status, 201)
    await next(alice)
    await next(bob)
    const ringing = flat(await carol.events()).find((e) => e.link.rel === 'messagingInvitation')
    const declined = await carol.post(ringing._embedded.messagingInvitation._links.decline.href)
    assert.equal(declined.status, 204)
    await next(carol)
    await next(alice)
    assert.equal((await alice.get(`${a.conversation}/participants/carol@other.test`)).status, 404)
    assert.equal((await alice.post(`${a.messaging}/terminate`)).status, 204)
    for (const x of [alice, bob]) await next(x)
  })

  // The invitation's embedded `from` is the inviter's participant (ReceiveAnIM.md step 8), which
  // the invitee GETs before answering (step 11, with no participantMessaging link there).
  it('links participantMessaging only while it exists, and every link it has answers', async () => {
    const { alice, bob } = users
    const invitation = await startMessaging(alice, sip(bob), 'Hello')
    await next(alice)
    const incoming = flat(await bob.events()).find((e) => e.link.rel === 'messagingInvitation')
    const ringing = incoming._embedded.messagingInvitation
    assert.equal(ringing._embedded.from._links.messaging, undefined)
    const inviter = (await bob.get(ringing._embedded.from._links.self.href)).json
    assert.equal(inviter._links.messaging, undefined, 'no participantMessaging while ringing')
    assert.equal((await bob.get(`${inviter._links.self.href}/messaging`)).status, 404)
    await assertLinksAnswer(bob, inviter)
    const local = (await bob.get(ringing._links.conversation.href.concat('/participants'))).json._embedded
      .participant
    for (const p of local) await assertLinksAnswer(bob, p)

    // The caller's own participant while calling has none either.
    const outgoing = (await alice.get(invitation)).json
    const me = (await alice.get(outgoing._links.from.href)).json
    assert.equal(me._links.messaging, undefined)
    assert.deepEqual((await assertLinksAnswer(alice, me)).sort(), ['conversation', 'me', 'self'])

    assert.equal((await bob.post(ringing._links.accept.href)).status, 204)
    await next(bob)
    await next(alice)
    for (const [c, href] of [
      [bob, inviter._links.self.href],
      [alice, outgoing._links.from.href],
    ] as const) {
      const connected = (await c.get(href)).json
      assert.ok(connected._links.messaging, `${c.user}: participantMessaging linked once connected`)
      const walked = await assertLinksAnswer(c, connected)
      assert.ok(walked.includes('messaging'))
      const pm = (await c.get(connected._links.messaging.href)).json
      assert.equal(pm.rel, 'participantMessaging')
      await assertLinksAnswer(c, pm)
    }
    assert.equal((await alice.post(`${outgoing._links.messaging.href}/terminate`)).status, 204)
    await next(alice)
    await next(bob)
  })
})

describe('the modalities a conversation links', () => {
  const users = withAvailableUsers('alice', 'bob', 'carol')

  // kenakamu/UCWA2.0-CS, UCWASDK/UCWASDK/Models/Conversation.cs: GetAudioVideo(),
  // GetPhoneAudio(), GetApplicationSharing() and GetDataCollaboration() GET the conversation's
  // links of those names; real pools linked all four from every conversation (ReceiveAnIM.md,
  // SendAnIM.md) and answered with the modality (audioVideo_ref.md: `state`, Disconnected when
  // not in use).
  it('answer Disconnected, with no actions, in every state of the conversation', async () => {
    const { alice, bob, carol } = users
    const invitation = await startMessaging(alice, sip(bob))
    await next(alice)
    const conversationOf = async (c: Client, href: string) => {
      const conversation = (await c.get(href)).json
      for (const rel of MODALITIES) {
        const res = await c.get(conversation._links[rel].href)
        assert.equal(res.status, 200, `${c.user} ${conversation.state} ${rel}: ${res.text}`)
        assert.deepEqual(res.json, {
          state: 'Disconnected',
          rel,
          _links: { self: { href: conversation._links[rel].href }, conversation: { href } },
        })
      }
      // Every link of the conversation and its messaging answers (actions are POSTed).
      await assertLinksAnswer(c, conversation, ACTIONS)
      await assertLinksAnswer(c, (await c.get(conversation._links.messaging.href)).json, ACTIONS)
      return conversation
    }
    const calling = await conversationOf(alice, (await alice.get(invitation)).json._links.conversation.href)
    assert.equal(calling.state, 'Connecting')
    const ringing = flat(await bob.events()).find((e) => e.link.rel === 'messagingInvitation')
    const bobHref = ringing._embedded.messagingInvitation._links.conversation.href
    assert.equal((await conversationOf(bob, bobHref)).state, 'Incoming')

    // Another user's application: like a missing conversation.
    const theirs = `${bobHref.replace(bob.self, carol.self)}/audioVideo`
    assert.equal((await carol.get(theirs)).status, 404)

    assert.equal((await bob.post(ringing._embedded.messagingInvitation._links.accept.href)).status, 204)
    await next(bob)
    await next(alice)
    assert.equal((await conversationOf(bob, bobHref)).state, 'Connected')
    assert.equal((await conversationOf(alice, calling._links.self.href)).state, 'Connected')
    const xml = await bob.get(`${bobHref}/phoneAudio`, { accept: 'application/vnd.microsoft.com.ucwa+xml' })
    assert.equal(xml.status, 200)
    assert.match(xml.text, /<property name="state">Disconnected<\/property>/)

    assert.equal((await bob.post(`${bobHref}/messaging/terminate`)).status, 204)
    assert.equal((await bob.get(`${bobHref}/audioVideo`)).status, 404, 'gone with the conversation')
    await next(alice)
    await next(bob)
  })

  it('in a connected conversation, every resource it leads to answers', async () => {
    const { alice, bob } = users
    const [a] = await connect(alice, bob)
    assert.equal((await say(a, 'Hi')).status, 201)
    const events = await next(bob)
    const message = events.find((e) => e.link.rel === 'message')._embedded.message
    await assertLinksAnswer(bob, message)
    await next(alice)
    const participants = (await alice.get(`${a.conversation}/participants`)).json
    await assertLinksAnswer(alice, participants)
    for (const p of participants._embedded.participant) await assertLinksAnswer(alice, p)
    await assertLinksAnswer(alice, (await alice.get(`${a.messaging}/typingParticipants`)).json)
    assert.equal((await alice.post(`${a.messaging}/terminate`)).status, 204)
    await next(alice)
    await next(bob)
  })
})
