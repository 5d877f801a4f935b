// Missed conversations over real HTTP: an IM to someone with no live endpoint (or who does not
// answer) is kept as a missed conversation with its message; missedItems counts it, its
// conversationLog carries it, markAsRead clears it, and missedItems updated events follow.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { assertConsistent } from '../helpers/consistency.ts'
import {
  conversationLogs,
  dataText,
  missedItems,
  startMessaging,
  withAvailableUsers,
} from '../helpers/messaging.ts'
import { available, type Client, eventsOf, signedInApp } from '../helpers/ucwa-client.ts'

const invite = (from: Client, to: string, first?: string) =>
  startMessaging(from, to, first, { operationId: 'op-missed', subject: undefined })

/** The invitation's `completed` event in a batch. */
const completion = (batch: any): any =>
  (batch.sender as any[])
    .flatMap((s) => s.events)
    .find((e: any) => e.link.rel === 'messagingInvitation' && e.type === 'completed')

const missedItemsEvents = (batch: any): any[] =>
  (batch.sender as any[]).flatMap((s) =>
    s.events.filter((e: any) => e.link.rel === 'missedItems').map((e: any) => ({ sender: s, ...e })),
  )

describe('missed conversations', () => {
  const users = withAvailableUsers('alice', 'bob')
  let carol: Client

  it('keeps an IM to a user who never signed in, and one to a user with no available endpoint', async () => {
    const { t, alice } = users
    await invite(alice, 'sip:carol@other.test', 'Are you there?')
    const failed = completion(await alice.events())
    assert.equal(failed.status, 'Failure')
    assert.equal(failed.reason.subcode, 'TemporarilyUnavailable')
    t.clock.advance(1_000)

    // Signed in, not available: still unreachable, and her application hears missedItems change.
    carol = Object.assign(await signedInApp(t, 'carol'), { name: 'carol/1' })
    const [seen] = await assertConsistent(
      [{ client: carol as Client & { name: string }, hrefs: [`${carol.self}/communication/missedItems`] }],
      () => invite(alice, 'sip:carol@other.test', 'Second try'),
      'IM to an unavailable user',
    )
    assert.deepEqual(
      seen?.map((e) => `${e.sender}:${e.rel}:${e.type}`),
      ['communication:missedItems:updated'],
    )
    assert.equal(completion(await alice.events()).reason.subcode, 'TemporarilyUnavailable')
  })

  it('shows both when she signs in: missedItems counts, conversationLogs newest first, transcripts', async () => {
    const { t, alice } = users
    await available(carol)
    await carol.events()

    const communication = (await carol.get(`${carol.self}/communication`)).json
    assert.equal(communication._links.missedItems.href, `${carol.self}/communication/missedItems`)
    assert.equal(communication._links.conversationLogs.href, `${carol.self}/communication/conversationLogs`)

    const missed = await missedItems(carol)
    assert.deepEqual(missed, {
      conversationLogsCount: 2,
      conversationLogsNotifications: 'Disabled',
      missedConversationsCount: 2,
      unreadMissedConversationsCount: 2,
      unreadVoicemailsCount: 0,
      voiceMailsCount: 0,
      rel: 'missedItems',
      _links: {
        self: { href: `${carol.self}/communication/missedItems` },
        conversationLogs: { href: `${carol.self}/communication/conversationLogs` },
      },
    })

    const list = (await carol.get(`${carol.self}/communication/conversationLogs`)).json
    assert.equal(list.rel, 'conversationLogs')
    assert.deepEqual(
      list._embedded.conversationLog.map((l: any) => l.previewMessage),
      ['Second try', 'Are you there?'],
    )
    assert.deepEqual(
      list._links.conversationLog.map((l: any) => l.href),
      list._embedded.conversationLog.map((l: any) => l._links.self.href),
    )
    const log = list._embedded.conversationLog[1]
    assert.match(log._links.self.href, new RegExp(`^${carol.self}/communication/conversationLogs/[\\w-]+$`))
    assert.equal(log.rel, 'conversationLog')
    assert.equal(log.type, 'MessageLog')
    assert.equal(log.status, 'Missed')
    assert.equal(log.direction, 'Incoming')
    assert.equal(log.importance, 'Normal')
    assert.deepEqual(log.modalities, ['Messaging'])
    assert.equal(log.totalRecipientsCount, 1)
    assert.equal(log.creationTime, `/Date(${t.clock.now() - 1_000})/`)
    assert.equal(log._links.markAsRead.href, `${log._links.self.href}/markAsRead`)
    assert.equal(log._links.continueMessaging.href, `${log._links.self.href}/continueMessaging`)
    const [from] = log._embedded.conversationLogRecipient
    assert.equal(from.sipUri, 'sip:alice@example.test')
    assert.equal(from.displayName, 'Alice Adams')
    assert.equal(from._links.contact.href, `${carol.self}/people/alice@example.test`)
    assert.equal((await carol.get(from._links.self.href)).json.sipUri, 'sip:alice@example.test')
    assert.deepEqual((await carol.get(log._links.self.href)).json, log)

    const transcripts = (await carol.get(log._links.conversationLogTranscripts.href)).json
    assert.equal(transcripts.rel, 'conversationLogTranscripts')
    const entries = transcripts._embedded.conversationLogTranscript
    assert.equal(entries.length, 1)
    assert.equal(entries[0]._links.contact.href, `${carol.self}/people/alice@example.test`)
    assert.equal(entries[0]._links.contact.title, 'Alice Adams')
    assert.match(entries[0].timeStamp, /^\/Date\(\d+\)\/$/)
    const text = entries[0]._embedded.messageTranscript._links.plainMessage.href
    assert.equal(dataText(text), 'Are you there?')
    assert.deepEqual((await carol.get(entries[0]._links.self.href)).json, entries[0])

    // The sender keeps what she wrote: outgoing, archived logs, nothing unread.
    const [mine] = await conversationLogs(alice)
    assert.equal(mine.status, 'Archived')
    assert.equal(mine.direction, 'Outgoing')
    assert.equal(mine.previewMessage, 'Second try')
    assert.equal(mine._links.markAsRead, undefined)
    assert.equal(mine._embedded.conversationLogRecipient[0].sipUri, 'sip:carol@other.test')
    const own = (await alice.get(mine._links.conversationLogTranscripts.href)).json._embedded
      .conversationLogTranscript
    assert.equal(own[0]._links.me.href, `${alice.self}/me`)
    assert.equal(dataText(own[0]._embedded.messageTranscript._links.plainMessage.href), 'Second try')
    const counts = await missedItems(alice)
    assert.equal(counts.missedConversationsCount, 0)
    assert.equal(counts.conversationLogsCount, 2)
  })

  it('turns an unanswered invitation (NoAnswer after 30 s) into a missed conversation', async () => {
    const { t, alice, bob } = users
    await invite(alice, 'sip:bob@example.test', 'Ping')
    await alice.events()
    const ringing = await bob.events()
    assert.ok(eventsOf(ringing).includes('communication:messagingInvitation:started'))
    t.clock.advance(31_000)
    await t.server.conversations.expireInvitations()
    assert.equal(completion(await alice.events()).reason.subcode, 'NoAnswer')
    const b = await bob.events()
    const updates = missedItemsEvents(b)
    assert.equal(updates.length, 1)
    assert.equal(updates[0].type, 'updated')
    assert.equal(updates[0].sender.rel, 'communication')
    assert.equal(updates[0].sender.href, `${bob.self}/communication`)
    assert.equal(updates[0].link.href, `${bob.self}/communication/missedItems`)
    assert.equal(updates[0]._embedded, undefined)

    const counts = await missedItems(bob)
    assert.equal(counts.missedConversationsCount, 1)
    assert.equal(counts.unreadMissedConversationsCount, 1)
    const [log] = await conversationLogs(bob)
    assert.equal(log.status, 'Missed')
    assert.equal(log.previewMessage, 'Ping')
    assert.equal(log._embedded.conversationLogRecipient[0].sipUri, 'sip:alice@example.test')
  })

  it('keeps a missed invitation without a message too (empty preview, empty transcript)', async () => {
    const { t, alice, bob } = users
    await invite(alice, 'sip:bob@example.test')
    await alice.events()
    await bob.events()
    t.clock.advance(31_000)
    await t.server.conversations.expireInvitations()
    await alice.events()
    assert.equal(missedItemsEvents(await bob.events()).length, 1)
    const [log] = await conversationLogs(bob)
    assert.equal(log.status, 'Missed')
    assert.equal(log.previewMessage, '')
    const entries = (await bob.get(log._links.conversationLogTranscripts.href)).json._embedded
      .conversationLogTranscript
    assert.deepEqual(entries, [])
    assert.equal((await missedItems(bob)).unreadMissedConversationsCount, 2)
    assert.equal(
      (await missedItems(alice)).conversationLogsCount,
      3,
      'no log for the sender when nothing was said',
    )
  })

  it('does not count a declined invitation as missed', async () => {
    const { alice, bob } = users
    const before = await missedItems(bob)
    await invite(alice, 'sip:bob@example.test', 'Coffee?')
    await alice.events()
    const incoming = (await bob.events()).sender
      .flatMap((s: any) => s.events)
      .find((e: any) => e.link.rel === 'messagingInvitation')._embedded.messagingInvitation
    assert.equal((await bob.post(incoming._links.decline.href)).status, 204)
    assert.equal(completion(await alice.events()).reason.subcode, 'Declined')
    assert.deepEqual(missedItemsEvents(await bob.events()), [])
    assert.deepEqual(await missedItems(bob), before)
  })

  it('markAsRead lowers the unread count and sends missedItems updated to every endpoint', async () => {
    const { t, bob } = users
    const phone = await signedInApp(t, 'bob', 'bob-phone', { Type: 'Phone' })
    await phone.events()
    const [newest, older] = await conversationLogs(bob)
    assert.ok(newest._links.markAsRead && older._links.markAsRead)

    const observers = [bob, phone].map((c, i) => ({
      client: Object.assign(c, { name: `bob/${i}` }),
      // The log changes too (no markAsRead link any more), but the reference defines no
      // conversationLog events: missedItems updated is the signal to refetch.
      hrefs: [`${c.self}/communication/missedItems`],
    }))
    const [onBob, onPhone] = await assertConsistent(
      observers,
      async () => assert.equal((await bob.post(newest._links.markAsRead.href)).status, 204),
      'markAsRead',
    )
    for (const seen of [onBob, onPhone]) {
      assert.deepEqual(
        seen?.map((e) => `${e.sender}:${e.rel}:${e.type}`),
        ['communication:missedItems:updated'],
      )
    }
    const counts = await missedItems(phone)
    assert.equal(counts.missedConversationsCount, 2)
    assert.equal(counts.unreadMissedConversationsCount, 1)
    const read = (await phone.get(newest._links.self.href.replace(bob.self, phone.self))).json
    assert.equal(read.status, 'Missed', 'still a missed conversation, just read')
    assert.equal(read._links.markAsRead, undefined)

    // Again: nothing changes, no event.
    assert.equal((await bob.post(newest._links.markAsRead.href)).status, 204)
    assert.deepEqual(missedItemsEvents(await bob.events()), [])
    assert.equal((await missedItems(bob)).unreadMissedConversationsCount, 1)
    assert.equal((await bob.post(older._links.markAsRead.href)).status, 204)
    assert.equal((await missedItems(bob)).unreadMissedConversationsCount, 0)
    await phone.events()
    await bob.events()
  })

  it('exposes the counts for push-notification badges', async () => {
    const { t } = users
    const bobId = (await t.server.store.users.findBySipUri('sip:bob@example.test' as never))?.id
    assert.ok(bobId)
    assert.deepEqual(await t.server.conversationLogs.missedCounts(bobId), {
      missedConversationsCount: 2,
      unreadMissedConversationsCount: 0,
      conversationLogsCount: 2,
    })
  })

  it('DELETE of a missed conversation lowers the counts, with missedItems updated', async () => {
    const { bob } = users
    const [newest] = await conversationLogs(bob)
    assert.equal((await bob.del(newest._links.self.href)).status, 204)
    assert.equal(missedItemsEvents(await bob.events()).length, 1)
    const counts = await missedItems(bob)
    assert.equal(counts.missedConversationsCount, 1)
    assert.equal(counts.conversationLogsCount, 1)
    assert.equal((await bob.get(newest._links.self.href)).status, 404)
  })
})
