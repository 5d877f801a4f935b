// Conversation history over real HTTP: a conversation with messages appears in both users'
// conversationLogs with its transcript in order; continueMessaging, DELETE, retention purge,
// another user's log (404) and bad input (UCWA errors).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ConversationService } from '../../src/domain/conversations/conversation-service.ts'
import { ConversationLogService } from '../../src/domain/history/history-service.ts'
import { asApplicationId } from '../../src/domain/ids.ts'
import { MessagingService } from '../../src/domain/messaging/messaging-service.ts'
import { SanitizeHtmlSanitizer } from '../../src/platform/html-sanitizer.ts'
import { NodeRandom } from '../../src/platform/node-random.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { available, availablePair, type Client, signedInApp } from '../helpers/ucwa-client.ts'

const DAY = 86_400_000

const dataText = (href: string) => decodeURIComponent(href.slice(href.indexOf(',') + 1).replace(/\+/g, ' '))

const allEvents = (batch: any): any[] => (batch.sender as any[]).flatMap((s) => s.events)

const embedded = (batch: any, rel: string): any =>
  allEvents(batch).find((e) => e.link.rel === rel && e._embedded)?._embedded[rel]

/** alice invites bob (with a first message), bob accepts; returns both messaging resources. */
async function connect(alice: Client, bob: Client, first: string): Promise<{ a: any; b: any }> {
  const res = await alice.post(`${alice.self}/communication/messagingInvitations`, {
    to: 'sip:bob@example.test',
    subject: 'Plans',
    _links: { message: { href: `data:text/plain;charset=utf-8,${encodeURIComponent(first)}` } },
  })
  assert.equal(res.status, 201, res.text)
  await alice.events()
  const incoming = embedded(await bob.events(), 'messagingInvitation')
  assert.equal((await bob.post(incoming._links.accept.href)).status, 204)
  const b = embedded(await bob.events(), 'messaging')
  const a = embedded(await alice.events(), 'messaging')
  assert.equal(a.state, 'Connected')
  return { a, b }
}

async function say(c: Client, messaging: any, text: string, type = 'text/plain'): Promise<void> {
  const res = await c.send('POST', messaging._links.sendMessage.href, text, { 'content-type': type })
  assert.equal(res.status, 201, res.text)
}

async function logs(c: Client, query = ''): Promise<any[]> {
  const res = await c.get(`${c.self}/communication/conversationLogs${query}`)
  assert.equal(res.status, 200, res.text)
  return res.json._embedded.conversationLog
}

async function transcript(c: Client, log: any): Promise<{ who: string; text: string; at: string }[]> {
  const res = await c.get(log._links.conversationLogTranscripts.href)
  assert.equal(res.status, 200, res.text)
  return res.json._embedded.conversationLogTranscript.map((e: any) => {
    const body = e._embedded.messageTranscript._links
    return {
      who: e._links.me ? 'me' : e._links.contact.href.slice(e._links.contact.href.lastIndexOf('/') + 1),
      text: dataText((body.plainMessage ?? body.htmlMessage).href),
      at: e.timeStamp,
    }
  })
}

async function expectError(res: Promise<any>, status: number, code: string, subcode?: string) {
  const r = await res
  assert.equal(r.status, status, r.text)
  assert.equal(r.json.code, code)
  if (subcode) assert.equal(r.json.subcode, subcode)
}

describe('conversation history', () => {
  let t: TestServer
  let alice: Client
  let bob: Client
  let aliceLog: any
  before(async () => {
    t = await startTestServer()
    ;({ alice, bob } = await availablePair(t))
  })
  after(() => t.stop())

  it('keeps a completed conversation in both users’ history, transcript in order', async () => {
    const started = t.clock.now()
    const { a, b } = await connect(alice, bob, 'Hi Bob')
    t.clock.advance(1_000)
    await say(alice, a, 'Lunch?')
    const firstBatch = allEvents(await alice.events())
    assert.ok(
      !firstBatch.some((e) => e.link.rel === 'missedItems'),
      'a new archived log wakes nobody: missedItems updated is for missed conversations',
    )
    await bob.events()
    t.clock.advance(1_000)
    await say(bob, b, '<b>Yes</b> &amp; soon', 'text/html')
    t.clock.advance(1_000)
    await say(alice, a, 'Great')
    assert.equal((await alice.post(a._links.stopMessaging.href)).status, 204)
    await alice.events()
    await bob.events()

    const [mine] = await logs(alice)
    const [theirs] = await logs(bob)
    aliceLog = mine
    for (const [log, peer] of [
      [mine, 'sip:bob@example.test'],
      [theirs, 'sip:alice@example.test'],
    ]) {
      assert.equal(log.type, 'MessageLog')
      assert.equal(log.status, 'Archived')
      assert.equal(log.subject, 'Plans')
      assert.equal(log.previewMessage, 'Hi Bob')
      assert.equal(log.creationTime, `/Date(${started})/`)
      assert.equal(log.totalRecipientsCount, 1)
      assert.equal(log._embedded.conversationLogRecipient[0].sipUri, peer)
      assert.equal(log._links.markAsRead, undefined, 'nothing unread in an answered conversation')
      assert.ok(log._links.continueMessaging)
    }
    assert.equal(mine.direction, 'Outgoing')
    assert.equal(theirs.direction, 'Incoming')
    assert.equal(mine.threadId, theirs.threadId)

    assert.deepEqual(await transcript(alice, mine), [
      { who: 'me', text: 'Hi Bob', at: `/Date(${started})/` },
      { who: 'me', text: 'Lunch?', at: `/Date(${started + 1_000})/` },
      { who: 'bob@example.test', text: '<b>Yes</b> &amp; soon', at: `/Date(${started + 2_000})/` },
      { who: 'me', text: 'Great', at: `/Date(${started + 3_000})/` },
    ])
    assert.deepEqual(
      (await transcript(bob, theirs)).map((e) => `${e.who}: ${e.text}`),
      [
        'alice@example.test: Hi Bob',
        'alice@example.test: Lunch?',
        'me: <b>Yes</b> &amp; soon',
        'alice@example.test: Great',
      ],
    )
    const html = (await bob.get(theirs._links.conversationLogTranscripts.href)).json._embedded
      .conversationLogTranscript[2]._embedded.messageTranscript
    assert.ok(html._links.htmlMessage, 'HTML messages stay HTML')
    assert.equal((await bob.get(html._links.self.href)).json.rel, 'messageTranscript')

    const counts = (await alice.get(`${alice.self}/communication/missedItems`)).json
    assert.equal(counts.conversationLogsCount, 1)
    assert.equal(counts.missedConversationsCount, 0)
  })

  it('logs an accepted invitation whose first message was all that was said', async () => {
    t.clock.advance(60_000)
    const { b } = await connect(alice, bob, 'Just this')
    assert.equal((await bob.post(b._links.stopMessaging.href)).status, 204)
    await alice.events()
    await bob.events()
    const [newest, older] = await logs(bob)
    assert.equal(newest.previewMessage, 'Just this')
    assert.equal(older.previewMessage, 'Hi Bob', 'newest first')
    assert.deepEqual(
      (await transcript(bob, newest)).map((e) => e.text),
      ['Just this'],
    )
    assert.equal((await logs(alice)).length, 2)
  })

  it('lists at most limit logs, and the links alone with expand=false', async () => {
    const one = await alice.get(`${alice.self}/communication/conversationLogs?limit=1`)
    assert.equal(one.json._embedded.conversationLog.length, 1)
    assert.equal(one.json._links.self.href, `${alice.self}/communication/conversationLogs?limit=1`)
    assert.equal(one.json._embedded.conversationLog[0].previewMessage, 'Just this')
    const links = await alice.get(`${alice.self}/communication/conversationLogs?expand=false`)
    assert.equal(links.json._embedded, undefined)
    assert.equal(links.json._links.conversationLog.length, 2)
    const xml = await alice.get(`${alice.self}/communication/conversationLogs`, { accept: 'application/xml' })
    assert.equal(xml.status, 200)
    assert.match(xml.text, /<resource rel="conversationLogs" href="[^"]+\/communication\/conversationLogs"/)
    assert.match(xml.text, /<link rel="conversationLog" href="/)
    assert.match(xml.text, /<property name="type">MessageLog<\/property>/)
  })

  it('continueMessaging invites the other party again, in the same thread', async () => {
    const res = await alice.post(aliceLog._links.continueMessaging.href, {
      operationId: 'again',
      _links: { message: { href: `data:text/plain;base64,${Buffer.from('Me again').toString('base64')}` } },
    })
    assert.equal(res.status, 201, res.text)
    assert.match(res.headers.get('location') ?? '', /\/communication\/messagingInvitations\/[\w-]+$/)
    await alice.events()
    const incoming = embedded(await bob.events(), 'messagingInvitation')
    assert.equal(incoming.threadId, aliceLog.threadId)
    assert.equal(incoming.subject, 'Plans')
    assert.equal(dataText(incoming._links.message.href), 'Me again')
    assert.equal((await bob.post(incoming._links.decline.href)).status, 204)
    await alice.events()
    await bob.events()
  })

  it('answers another user’s log like a missing one (404)', async () => {
    const foreign = aliceLog._links.self.href.replace(alice.self, bob.self)
    await expectError(bob.get(foreign), 404, 'NotFound')
    await expectError(bob.get(`${foreign}/conversationLogTranscripts`), 404, 'NotFound')
    await expectError(bob.post(`${foreign}/markAsRead`), 404, 'NotFound')
    await expectError(bob.post(`${foreign}/continueMessaging`, {}), 404, 'NotFound')
    await expectError(bob.del(foreign), 404, 'NotFound')
    assert.equal((await alice.get(aliceLog._links.self.href)).status, 200, 'still there')
  })

  it('answers bad input with UCWA errors', async () => {
    const base = `${alice.self}/communication/conversationLogs`
    for (const limit of ['0', '-1', 'abc', '1001', '2.5']) {
      await expectError(alice.get(`${base}?limit=${limit}`), 400, 'BadRequest', 'ParameterValidationFailure')
    }
    await expectError(alice.get(`${base}/nope`), 404, 'NotFound')
    await expectError(alice.get(`${base}/nope/conversationLogTranscripts`), 404, 'NotFound')
    await expectError(alice.post(`${base}/nope/markAsRead`), 404, 'NotFound')
    await expectError(
      alice.get(`${aliceLog._links.conversationLogTranscripts.href}/m999999`),
      404,
      'NotFound',
    )
    await expectError(
      alice.get(`${aliceLog._links.conversationLogTranscripts.href}?start=x`),
      400,
      'BadRequest',
      'ParameterValidationFailure',
    )
    await expectError(
      alice.get(`${aliceLog._links.self.href}/conversationLogRecipients/nobody@example.test`),
      404,
      'NotFound',
    )
    await expectError(
      alice.post(aliceLog._links.continueMessaging.href, { _links: { message: { href: 'http://x/y' } } }),
      400,
      'BadRequest',
      'ParameterValidationFailure',
    )
  })

  it('DELETE removes one log (only the caller’s), quietly when it was not a missed one', async () => {
    const [newest] = await logs(alice)
    assert.equal((await alice.del(newest._links.self.href)).status, 204)
    assert.deepEqual(allEvents(await alice.events()), [])
    await expectError(alice.get(newest._links.self.href), 404, 'NotFound')
    assert.equal((await logs(alice)).length, 2, 'the logs of the other conversations stay')
    assert.equal((await logs(bob)).length, 2, 'bob keeps his')
  })
  it('honours the saveMessagingHistory policy: no history, missed conversations kept anyway', async () => {
    // The same store, conversation and messaging services whose history service is told history
    // is not allowed.
    const store = t.server.store
    const noHistory = new ConversationLogService({
      store,
      channel: t.server.channel,
      clock: t.clock,
      random: new NodeRandom(),
      saveHistory: () => false,
    })
    const messaging = new MessagingService({
      store,
      channel: t.server.channel,
      clock: t.clock,
      sanitizer: new SanitizeHtmlSanitizer(),
      observer: noHistory,
    })
    const conversations = new ConversationService({
      store,
      channel: t.server.channel,
      clock: t.clock,
      random: new NodeRandom(),
      modalities: { messaging: messaging.modality },
      observer: noHistory,
    })
    const sessionOf = async (c: Client) => {
      const app = await store.applications.find(asApplicationId(c.self.slice(c.self.lastIndexOf('/') + 1)))
      const user = app && (await store.users.findById(app.userId))
      assert.ok(app && user)
      return { app, session: { user, tokenDigest: '', pool: user.homePool, expiresAt: t.clock.now() + DAY } }
    }
    const a = await sessionOf(alice)
    const b = await sessionOf(bob)
    const before = { alice: (await logs(alice)).length, bob: (await logs(bob)).length }

    await conversations.start(a.session, a.app, {
      modality: 'messaging',
      to: 'sip:carol@other.test',
      message: { contentType: 'text/plain', body: 'kept for carol' },
    })
    const carolId = (await store.users.findBySipUri('sip:carol@other.test' as never))?.id
    assert.ok(carolId)
    assert.equal((await noHistory.missedCounts(carolId)).unreadMissedConversationsCount, 1)

    const invitation = await conversations.start(a.session, a.app, {
      modality: 'messaging',
      to: 'sip:bob@example.test',
      message: { contentType: 'text/plain', body: 'off the record' },
    })
    await conversations.accept(b.session, b.app, invitation)
    const [view] = await conversations.conversations(a.session, a.app)
    assert.ok(view)
    await messaging.send(
      a.session,
      a.app,
      view.conversation.id,
      { contentType: 'text/plain', body: 'x' },
      null,
    )
    await conversations.leave(a.session, a.app, view.conversation.id)
    assert.deepEqual({ alice: (await logs(alice)).length, bob: (await logs(bob)).length }, before)
    await alice.events()
    await bob.events()
  })
})

describe('conversation history retention', () => {
  let t: TestServer
  before(async () => {
    t = await startTestServer({ extra: 'messaging:\n  historyRetentionDays: 30\n' })
  })
  after(() => t.stop())

  /** alice and bob signed in afresh (tokens and applications do not outlive days of clock). */
  async function signIn(round: number): Promise<{ alice: Client; bob: Client; carol: Client }> {
    const alice = await signedInApp(t, 'alice', `alice-${round}`)
    const bob = await signedInApp(t, 'bob', `bob-${round}`)
    // carol signs in but never makes herself available: IMs to her are missed.
    const carol = await signedInApp(t, 'carol', `carol-${round}`)
    await available(alice)
    await available(bob)
    for (const c of [alice, bob, carol]) await c.events()
    return { alice, bob, carol }
  }

  it('purges logs whose last message is older than the retention, and only those', async () => {
    assert.equal(t.config.messaging.historyRetentionDays, 30)
    // An old conversation, and a missed one to carol.
    const old = await signIn(1)
    const { a } = await connect(old.alice, old.bob, 'Old news')
    await say(old.alice, a, 'still old')
    await old.alice.post(a._links.stopMessaging.href)
    await old.alice.post(`${old.alice.self}/communication/messagingInvitations`, {
      to: 'sip:carol@other.test',
      _links: { message: { href: 'data:text/plain,old+missed' } },
    })
    t.clock.advance(20 * DAY)
    const recent = await signIn(2)
    const { a: r } = await connect(recent.alice, recent.bob, 'Recent')
    await recent.alice.post(r._links.stopMessaging.href)
    assert.equal((await logs(recent.alice)).length, 3)
    assert.equal(await t.server.conversationLogs.purge(), 0, 'nothing is old enough yet')

    t.clock.advance(11 * DAY)
    const now = await signIn(3)
    assert.equal(await t.server.conversationLogs.purge(), 4, "alice's two old logs, bob's and carol's")
    assert.deepEqual(
      allEvents(await now.carol.events()).map((e) => `${e.link.rel}:${e.type}`),
      ['missedItems:updated'],
      'the owner of a purged missed conversation hears missedItems change',
    )
    assert.deepEqual(allEvents(await now.alice.events()), [], 'archived logs go quietly')
    assert.deepEqual(
      (await logs(now.alice)).map((l) => l.previewMessage),
      ['Recent'],
    )
    assert.deepEqual(
      (await logs(now.bob)).map((l) => l.previewMessage),
      ['Recent'],
    )
    const carolId = (await t.server.store.users.findBySipUri('sip:carol@other.test' as never))?.id
    assert.ok(carolId)
    assert.deepEqual(await t.server.conversationLogs.missedCounts(carolId), {
      missedConversationsCount: 0,
      unreadMissedConversationsCount: 0,
      conversationLogsCount: 0,
    })
    assert.equal(await t.server.conversationLogs.purge(), 0)
  })
})

describe('ended conversations', () => {
  let t: TestServer
  before(async () => {
    t = await startTestServer()
  })
  after(() => t.stop())

  const conversationOf = (messaging: any): string => {
    const m = /\/conversations\/([^/]+)\/messaging$/.exec(messaging._links.self.href)
    assert.ok(m, messaging._links.self.href)
    return m[1] as string
  }

  it('are deleted with their messages an hour after the end, once nobody’s history keeps them', async () => {
    const { alice, bob } = await availablePair(t)
    const kept = await connect(alice, bob, 'Keep this')
    await say(alice, kept.a, 'kept text')
    const keptSeq = await t.server.store.messaging.lastMessageSeq()
    assert.equal((await alice.post(kept.a._links.stopMessaging.href)).status, 204)
    const dropped = await connect(alice, bob, 'Drop this')
    await say(alice, dropped.a, 'dropped text')
    const droppedSeq = await t.server.store.messaging.lastMessageSeq()
    assert.equal((await alice.post(dropped.a._links.stopMessaging.href)).status, 204)
    await alice.events()
    await bob.events()
    // Both users delete the second conversation from their history; the first stays in it.
    for (const c of [alice, bob]) {
      const log = (await logs(c)).find((l) => l.previewMessage === 'Drop this')
      assert.equal((await c.del(log._links.self.href)).status, 204)
    }
    const message = (messaging: any, seq: number) =>
      t.server.store.messaging.message(conversationOf(messaging), seq)
    assert.equal(await t.server.conversations.purgeEnded(), 0, 'ended just now')
    assert.equal((await message(dropped.a, droppedSeq))?.body, 'dropped text')

    t.clock.advance(61 * 60_000)
    assert.equal(await t.server.conversations.purgeEnded(), 1)
    assert.equal(await message(dropped.a, droppedSeq), undefined, 'the text is gone')
    assert.equal(await t.server.store.conversations.conversation(conversationOf(dropped.a)), undefined)
    assert.equal((await message(kept.a, keptSeq))?.body, 'kept text', 'history keeps the other')
    assert.equal(await t.server.conversations.purgeEnded(), 0)
  })
})
