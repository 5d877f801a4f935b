// One suite, every store adapter: what the domain relies on from each repository, and the
// serialization it assumes of transactions. store-sqlite.test.ts and store-postgres.test.ts run it
// against SQLite and PostgreSQL (a fresh database per test). See docs/store.md.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { asApplicationId, type SipUri } from '../../src/domain/ids.ts'
import {
  addUser,
  connectedView,
  connectMember,
  event,
  id,
  newApp,
  newLog,
  type OpenStore,
  seedConversation,
  T0,
  withStore,
} from './store-fixtures.ts'

export type { OpenStore } from './store-fixtures.ts'

export function storeContract(name: string, open: OpenStore): void {
  describe(`store contract: ${name}`, () => {
    it('users: insert, find, update, photos, remove; times and flags round-trip as numbers and booleans', async () => {
      await withStore(open, async (store) => {
        const uid = await addUser(store, 'alice', { enterpriseVoice: true, phones: { work: 'tel:+1' } })
        const found = await store.users.findBySipUri('sip:alice@example.test' as SipUri)
        assert.equal(found?.id, uid)
        assert.equal(found?.createdAt, T0)
        assert.equal(typeof found?.createdAt, 'number')
        assert.equal(found?.enterpriseVoice, true)
        assert.equal(found?.enabled, true)
        assert.deepEqual(found?.phones, { work: 'tel:+1' })
        const updated = await store.users.update(uid, { enabled: false, title: 'Boss' }, T0 + 1)
        assert.equal(updated?.enabled, false)
        assert.equal(updated?.updatedAt, T0 + 1)
        assert.equal(await store.users.photo(uid), null)
        const bytes = new Uint8Array([0, 1, 2, 255])
        assert.equal(await store.users.setPhoto(uid, { bytes, contentType: 'image/png' }, T0), true)
        assert.deepEqual(await store.users.photo(uid), { bytes, contentType: 'image/png' })
        assert.equal(await store.users.setPasswordHash(uid, 'hash', T0), true)
        assert.equal(await store.users.passwordHash(uid), 'hash')
        await assert.rejects(addUser(store, 'alice'), 'a SIP URI is unique')
        assert.equal(await store.users.remove(uid), true)
        assert.equal(await store.users.findById(uid), undefined)
        assert.equal(await store.users.photo(uid), undefined)
      })
    })

    it('tokens: find by digest, revoke per user, delete expired', async () => {
      await withStore(open, async (store) => {
        const uid = await addUser(store, 'tok')
        const token = { digest: 'd1', userId: uid, pool: 'p', issuedAt: T0, expiresAt: T0 + 10 }
        await store.tokens.insert(token)
        await store.tokens.insert({ ...token, digest: 'd2', expiresAt: T0 + 1_000 })
        assert.deepEqual(await store.tokens.find('d1'), token)
        assert.equal(await store.tokens.deleteExpired(T0 + 10), 1)
        assert.equal(await store.tokens.revokeUser(uid), 1)
        assert.equal(await store.tokens.find('d2'), undefined)
      })
    })

    it('applications: one per user and endpoint, updates, availability, expiry', async () => {
      await withStore(open, async (store) => {
        const uid = await addUser(store, 'app')
        const app = await store.applications.insert(newApp(uid, 'ep-1'))
        await assert.rejects(store.applications.insert({ ...newApp(uid, 'ep-1') }), 'endpoint ids are unique')
        assert.equal((await store.applications.findByEndpoint(uid, 'ep-1'))?.id, app.id)
        const updated = await store.applications.update(app.id, { available: true, userActiveAt: T0 + 5 })
        assert.equal(updated?.available, true)
        assert.equal(updated?.userActiveAt, T0 + 5)
        assert.deepEqual(
          (await store.applications.listAvailable(uid)).map((a) => a.id),
          [app.id],
        )
        const other = await store.applications.insert({ ...newApp(uid), expiresAt: T0 - 1 })
        assert.equal((await store.applications.listByUser(uid)).length, 2)
        assert.equal(await store.applications.removeExpired(T0), 1)
        assert.equal(await store.applications.find(other.id), undefined)
        assert.equal(await store.applications.removeByUser(uid), 1)
      })
    })

    it('events: append in order, form batches, repeat, acknowledge, coalesce away, gone with the app', async () => {
      await withStore(open, async (store) => {
        const uid = await addUser(store, 'ev')
        const app = (await store.applications.insert(newApp(uid))).id
        assert.deepEqual(await store.events.queue(app, 10), { current: 0, pending: [] })
        const returned = await store.transaction((tx) =>
          tx.events.append([[app, [event(1), event(2), event(3)]]], T0),
        )
        const queued = await store.events.queue(app, 10)
        assert.deepEqual(
          returned,
          queued?.pending.map((q) => q.seq),
          'append returns the seqs, in order',
        )
        assert.deepEqual(
          queued?.pending.map((q) => q.event.link.ids?.[0]),
          ['1', '2', '3'],
        )
        const seqs = queued?.pending.map((q) => q.seq) ?? []
        assert.ok(
          seqs.every((s, i) => i === 0 || s > (seqs[i - 1] ?? 0)),
          'seq increases in append order',
        )
        assert.equal((await store.events.queue(app, 2))?.pending.length, 2, 'limit')
        const [a, b, c] = seqs as [number, number, number]
        await store.transaction((tx) => tx.events.formBatch(app, 1, [a, c], [b]))
        assert.deepEqual(
          (await store.events.batch(app, 1)).map((q) => q.seq),
          [a, c],
        )
        assert.deepEqual(await store.events.queue(app, 10), { current: 1, pending: [] })
        await store.events.append([[app, [event(4)]]], T0)
        await store.transaction((tx) => tx.events.formBatch(app, 2, [], []))
        assert.deepEqual(await store.events.batch(app, 1), [], 'asking for batch 2 acknowledged batch 1')
        assert.deepEqual(await store.events.batch(app, 2), [], 'an empty batch')
        const queued4 = await store.events.queue(app, 10)
        assert.equal(queued4?.current, 2, 'an empty batch counts')
        assert.equal(queued4?.pending.length, 1, 'unbatched events stay queued')
        // The last batch formed, whether it carries events or not.
        const [seq4] = queued4?.pending.map((q) => q.seq) ?? []
        await store.transaction((tx) => tx.events.formBatch(app, 3, [seq4 as number], []))
        assert.equal((await store.events.queue(app, 10))?.current, 3)
        await store.transaction((tx) => tx.events.formBatch(app, 4, [], []))
        assert.deepEqual(await store.events.queue(app, 10), { current: 4, pending: [] })
        assert.deepEqual(await store.events.batch(app, 3), [], 'acknowledged by asking for 4')
        // Events already gone (the queue changed under a stale view of it): the batch still counts.
        await store.transaction((tx) => tx.events.formBatch(app, 5, [seq4 as number], []))
        assert.equal((await store.events.queue(app, 10))?.current, 5)
        await store.applications.remove(app)
        assert.equal(await store.events.queue(app, 10), undefined)
      })
    })

    it('events: appendBatch writes a waiting P-GET’s batch at once, acknowledging the one before', async () => {
      await withStore(open, async (store) => {
        const uid = await addUser(store, 'evb')
        const app = (await store.applications.insert(newApp(uid))).id
        await store.events.append([[app, [event(1)]]], T0)
        const [first] = (await store.events.queue(app, 10))?.pending ?? []
        await store.transaction((tx) => tx.events.formBatch(app, 1, [first?.seq as number], []))
        const seqs = await store.transaction((tx) => tx.events.appendBatch(app, 2, [event(2), event(3)], T0))
        assert.equal(seqs?.length, 2)
        assert.ok(
          (seqs?.[0] ?? 0) > (first?.seq ?? 0) && (seqs?.[1] ?? 0) > (seqs?.[0] ?? 0),
          'seqs in order',
        )
        assert.deepEqual(
          (await store.events.batch(app, 2)).map((q) => [q.seq, q.event.link.ids?.[0]]),
          [
            [seqs?.[0], '2'],
            [seqs?.[1], '3'],
          ],
          'the batch, as a repeat reads it',
        )
        assert.deepEqual(await store.events.batch(app, 1), [], 'batch 1 acknowledged')
        assert.deepEqual(
          await store.events.queue(app, 10),
          { current: 2, pending: [] },
          'nothing left queued',
        )
        await store.events.append([[app, [event(4)]]], T0)
        assert.deepEqual(
          (await store.events.queue(app, 10))?.pending.map((q) => q.event.link.ids?.[0]),
          ['4'],
          'later events queue after it',
        )
      })
    })

    it('events: appends from concurrent transactions all arrive, each once', async () => {
      await withStore(open, async (store) => {
        const uid = await addUser(store, 'evc')
        const app = (await store.applications.insert(newApp(uid))).id
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store.transaction((tx) => tx.events.append([[app, [event(i)]]], T0)),
          ),
        )
        const pending = (await store.events.queue(app, 100))?.pending ?? []
        assert.equal(pending.length, 20)
        assert.equal(new Set(pending.map((q) => q.seq)).size, 20)
      })
    })

    it('transactions: a failure rolls back every write', async () => {
      await withStore(open, async (store) => {
        const uid = await addUser(store, 'tx')
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.tokens.insert({ digest: 'x', userId: uid, pool: 'p', issuedAt: T0, expiresAt: T0 })
            await tx.users.update(uid, { title: 'changed' }, T0)
            throw new Error('abort')
          }),
          /abort/,
        )
        assert.equal(await store.tokens.find('x'), undefined)
        assert.equal((await store.users.findById(uid))?.title, null)
      })
    })

    it('transactions: read-then-create of the default contact groups happens once under concurrency', async () => {
      await withStore(open, async (store) => {
        const owner = await addUser(store, 'groups')
        // The shape of ContactService's "create Other Contacts on first use".
        const ensure = () =>
          store.transaction(async (tx) => {
            const groups = await tx.contacts.groups(owner)
            if (groups.some((g) => g.kind === 'default')) return
            await tx.contacts.insertGroup({
              id: id('g'),
              ownerId: owner,
              kind: 'default',
              name: 'Other',
              createdAt: T0,
            })
          })
        await Promise.all(Array.from({ length: 8 }, ensure))
        assert.equal((await store.contacts.groups(owner)).filter((g) => g.kind === 'default').length, 1)
      })
    })

    it('transactions: an invitation is answered once when two endpoints accept together', async () => {
      await withStore(open, async (store) => {
        const { conversation, invitation } = await seedConversation(store)
        const accept = (app: string) =>
          store.transaction(async (tx) => {
            const current = await tx.conversations.invitation(invitation)
            if (current?.state !== 'Connecting') return false
            await tx.conversations.updateInvitation(invitation, {
              state: 'Connected',
              answeredAppId: asApplicationId(app),
            })
            return true
          })
        const won = await Promise.all([accept('1'), accept('2'), accept('3')])
        assert.equal(won.filter(Boolean).length, 1)
        assert.equal((await store.conversations.invitations(conversation))[0]?.state, 'Connected')
      })
    })

    it('presence: upsert, read many, due checks', async () => {
      await withStore(open, async (store) => {
        const uid = await addUser(store, 'pres')
        const record = {
          userId: uid,
          manual: null,
          note: 'hi',
          location: null,
          availability: 'Online',
          activity: null,
          deviceType: 'Unknown',
          lastActiveAt: T0,
          nextCheckAt: T0 + 100,
          updatedAt: T0,
          modalities: ['Messaging'],
        } as const
        await store.presence.save(record)
        await store.presence.save({ ...record, note: 'again' })
        assert.equal((await store.presence.get(uid))?.note, 'again')
        assert.deepEqual(
          (await store.presence.getMany([uid])).map((r) => r.modalities),
          [['Messaging']],
        )
        assert.deepEqual(await store.presence.due(T0 + 99, 10), [])
        assert.deepEqual(await store.presence.due(T0 + 100, 10), [uid])
      })
    })

    it('subscriptions and privacy: members, watchers, expiry, levels', async () => {
      await withStore(open, async (store) => {
        const alice = await addUser(store, 'watcher')
        const app = (await store.applications.insert(newApp(alice))).id
        const sub = { id: id('s'), appId: app, expiresAt: T0 + 1_000, createdAt: T0 }
        await store.subscriptions.create(sub, ['sip:bob@example.test'])
        assert.deepEqual(
          await store.subscriptions.addMembers(sub.id, ['sip:bob@example.test', 'sip:carol@x']),
          ['sip:carol@x'],
        )
        assert.deepEqual(await store.subscriptions.watchedBy(app, T0), [
          'sip:bob@example.test',
          'sip:carol@x',
        ])
        assert.deepEqual(
          (await store.subscriptions.watchers('sip:bob@example.test', T0)).map((w) => w.appId),
          [app],
        )
        assert.deepEqual(await store.subscriptions.watchers('sip:bob@example.test', T0 + 1_000), [])
        assert.equal((await store.subscriptions.expiringBefore(T0 + 1_000, 10)).length, 1)
        assert.equal(await store.subscriptions.removeMember(sub.id, 'sip:carol@x'), true)
        assert.equal(await store.subscriptions.removeExpired(T0 + 1_001), 1)
        assert.equal(await store.subscriptions.find(sub.id), undefined)
        await store.privacy.set(alice, 'sip:bob@example.test', 'Workgroup')
        await store.privacy.set(alice, 'sip:bob@example.test', 'Blocked')
        assert.equal(await store.privacy.level(alice, 'sip:bob@example.test'), 'Blocked')
        assert.equal(await store.privacy.reset(alice, 'sip:bob@example.test'), true)
        assert.deepEqual(await store.privacy.list(alice), [])
      })
    })

    it('contacts: groups in order, memberships, counts, case-insensitive directory search', async () => {
      await withStore(open, async (store) => {
        const owner = await addUser(store, 'owner')
        await addUser(store, 'Zed_Example', { email: 'ZED@Example.test', phones: { work: 'tel:+1425555' } })
        const mine = { id: id('g'), ownerId: owner, kind: 'user' as const, name: 'Mine', createdAt: T0 }
        await store.contacts.insertGroup(mine)
        await store.contacts.insertGroup({
          ...mine,
          id: id('g'),
          kind: 'default',
          name: 'Other',
          createdAt: T0 + 1,
        })
        assert.deepEqual(
          (await store.contacts.groups(owner)).map((g) => g.kind),
          ['default', 'user'],
        )
        assert.equal(await store.contacts.addMember(owner, mine.id, 'sip:a@x', T0), true)
        assert.equal(await store.contacts.addMember(owner, mine.id, 'sip:a@x', T0), false)
        assert.equal(await store.contacts.countContacts(owner), 1)
        assert.deepEqual(await store.contacts.groupsOf(owner, 'sip:a@x'), [mine.id])
        assert.equal(await store.contacts.renameGroup(owner, mine.id, 'Renamed'), true)
        assert.equal(await store.contacts.removeGroup(owner, mine.id), true)
        assert.deepEqual(await store.contacts.memberships(owner), [])
        assert.equal((await store.contacts.searchDirectory('zed_', undefined, 10)).length, 1)
        assert.equal((await store.contacts.searchDirectory('zed%', undefined, 10)).length, 0, 'LIKE escapes')
        assert.equal((await store.contacts.searchDirectory('example.TEST', undefined, 10)).length, 2)
        assert.equal((await store.contacts.searchDirectory('+1425555', '425555', 10)).length, 1)
      })
    })

    it('messaging: removeEnded deletes ended conversations no log keeps, with everything in them', async () => {
      await withStore(open, async (store) => {
        // Four conversations, each with a member, a view and a message: ended long ago and kept
        // by nobody; ended long ago but in someone's history; ended just now; still going.
        const seeded = []
        for (const endedAt of [T0, T0, T0 + 50, null]) {
          const { conversation, invitation, app, user } = await seedConversation(store)
          await connectMember(store, conversation, user)
          await store.conversations.upsertView(connectedView(conversation, app, user))
          const message = await store.messaging.addMessage({
            conversationId: conversation,
            senderUserId: user,
            senderAppId: app,
            contentType: 'text/plain',
            body: 'forget me',
            operationId: null,
            createdAt: T0,
          })
          if (endedAt !== null) await store.conversations.endConversation(conversation, endedAt)
          seeded.push({ conversation, invitation, user, seq: message.seq })
        }
        const [gone, logged, recent, live] = seeded as [
          (typeof seeded)[0],
          (typeof seeded)[0],
          (typeof seeded)[0],
          (typeof seeded)[0],
        ]
        const log = newLog(logged.conversation, logged.user)
        await store.conversationLogs.insert(log)
        await store.conversationLogs.addMessage([log.id], logged.seq)

        assert.equal(await store.conversations.removeEnded(T0 + 10, 100), 1)
        assert.equal(await store.conversations.conversation(gone.conversation), undefined)
        assert.equal(await store.messaging.message(gone.conversation, gone.seq), undefined, 'its messages go')
        assert.equal(await store.conversations.invitation(gone.invitation), undefined)
        assert.deepEqual(await store.conversations.members(gone.conversation), [])
        assert.deepEqual(await store.conversations.views(gone.conversation), [])
        for (const kept of [logged, recent, live]) {
          assert.equal((await store.messaging.message(kept.conversation, kept.seq))?.body, 'forget me')
        }
        assert.equal(await store.conversations.removeEnded(T0 + 10, 100), 0, 'nothing more is due')

        // Once the last log goes, so can the conversation.
        await store.conversationLogs.remove(logged.user, log.id)
        assert.equal(await store.conversations.removeEnded(T0 + 100, 1), 1, 'at most `limit`')
        assert.equal(await store.conversations.removeEnded(T0 + 100, 1), 1)
        assert.equal(await store.conversations.removeEnded(T0 + 100, 1), 0, 'a live conversation stays')
        assert.equal((await store.conversations.conversation(live.conversation))?.endedAt, null)
      })
    })

    it('messaging: conversations, members, views, invitations, messages with increasing seq', async () => {
      await withStore(open, async (store) => {
        const { conversation, invitation, app, user } = await seedConversation(store)
        await connectMember(store, conversation, user)
        await store.conversations.upsertMember({
          conversationId: conversation,
          userId: user,
          uri: 'sip:m@x',
          name: 'M2',
          state: 'left',
          joinedAt: T0,
        })
        assert.deepEqual(
          (await store.conversations.members(conversation)).map((m) => [m.name, m.state]),
          [['M2', 'left']],
        )
        const view = connectedView(conversation, app, user)
        await store.conversations.upsertView(view)
        await store.conversations.upsertView({ ...view, sinceSeq: 7 })
        assert.equal((await store.conversations.view(conversation, app))?.sinceSeq, 7)
        assert.equal((await store.conversations.viewsOfApp(app)).length, 1)
        assert.equal((await store.conversations.viewsOfExpiredApps(T0 + 60_000, 10)).length, 1)
        const base = {
          conversationId: conversation,
          senderUserId: user,
          senderAppId: app,
          contentType: 'text/plain',
          operationId: null,
          createdAt: T0,
        } as const
        const m1 = await store.messaging.addMessage({ ...base, body: 'one' })
        const m2 = await store.messaging.addMessage({ ...base, body: 'two' })
        assert.ok(m2.seq > m1.seq)
        assert.equal(await store.messaging.lastMessageSeq(), m2.seq)
        assert.equal((await store.messaging.message(conversation, m1.seq))?.body, 'one')
        assert.equal((await store.conversations.expiredInvitations(T0 + 30_000, 10))[0]?.id, invitation)
        await store.conversations.updateInvitation(invitation, { state: 'Failed', reason: 'NoAnswer' })
        assert.equal((await store.conversations.invitation(invitation))?.reason, 'NoAnswer')
        await store.conversations.endConversation(conversation, T0 + 5)
        assert.equal((await store.conversations.conversation(conversation))?.endedAt, T0 + 5)
        await store.conversations.removeView(conversation, app)
        assert.deepEqual(await store.conversations.views(conversation), [])
      })
    })

    it('conversation logs: per-user logs, counts, transcript order, purge', async () => {
      await withStore(open, async (store) => {
        const { conversation, user, app } = await seedConversation(store)
        const log = newLog(conversation, user, {
          unread: true,
          preview: 'hi',
          recipients: [{ uri: 'sip:b@x', name: 'B' }],
        })
        await store.conversationLogs.insert(log)
        assert.deepEqual(await store.conversationLogs.counts(user), {
          missedConversationsCount: 1,
          unreadMissedConversationsCount: 1,
          conversationLogsCount: 1,
        })
        assert.equal(await store.conversationLogs.markRead(user, log.id), true)
        assert.equal(await store.conversationLogs.markRead(user, log.id), false)
        const entry = {
          logId: log.id,
          senderUserId: user,
          sender: { uri: 'sip:a@x', name: 'A' },
          contentType: 'text/plain',
          createdAt: T0,
        } as const
        await store.conversationLogs.addEntries([
          { ...entry, key: 'b', ord: 2, body: 'second' },
          { ...entry, key: 'a', ord: 1, body: 'first' },
        ])
        await store.conversationLogs.addEntries([{ ...entry, key: 'a', ord: 1, body: 'ignored' }])
        assert.deepEqual(
          (await store.conversationLogs.entries(log.id, 0, 10)).map((e) => e.body),
          ['first', 'second'],
        )
        // Messages are stored once and referred to: they sort with the copies by time, then seq,
        // and name their sender as the conversation member.
        await connectMember(store, conversation, user)
        const message = (at: number, body: string) =>
          store.messaging.addMessage({
            conversationId: conversation,
            senderUserId: user,
            senderAppId: app,
            contentType: 'text/plain',
            body,
            operationId: null,
            createdAt: at,
          })
        const later = await message(T0 + 1, 'third')
        const same = await message(T0, 'same time')
        await store.conversationLogs.addMessage([log.id], later.seq)
        await store.conversationLogs.addMessage([log.id], same.seq)
        await store.conversationLogs.addMessage([log.id], later.seq)
        const transcript = await store.conversationLogs.entries(log.id, 0, 10)
        assert.deepEqual(
          transcript.map((e) => [e.key, e.body, e.sender.uri]),
          [
            ['a', 'first', 'sip:a@x'],
            ['b', 'second', 'sip:a@x'],
            [`m${same.seq}`, 'same time', 'sip:m@x'],
            [`m${later.seq}`, 'third', 'sip:m@x'],
          ],
        )
        assert.deepEqual(
          (await store.conversationLogs.entries(log.id, 2, 1)).map((e) => e.body),
          ['same time'],
        )
        assert.equal((await store.conversationLogs.entry(log.id, `m${later.seq}`))?.body, 'third')
        assert.equal((await store.conversationLogs.entry(log.id, 'b'))?.body, 'second')
        assert.equal(await store.conversationLogs.entry(log.id, 'm999999'), undefined)
        assert.equal(await store.conversationLogs.entry('another-log', `m${later.seq}`), undefined)
        await store.conversationLogs.touch([log.id], T0 + 10)
        assert.equal((await store.conversationLogs.find(user, log.id))?.lastAt, T0 + 10)
        assert.equal((await store.conversationLogs.openingInvitation(conversation))?.state, 'Connecting')
        assert.equal((await store.conversationLogs.removeOlderThan(T0 + 11, 10)).length, 1)
        assert.deepEqual(await store.conversationLogs.list(user, 10), [])
        assert.deepEqual(await store.conversationLogs.entries(log.id, 0, 10), [])
        // The messages themselves stay (they are the conversation's, not the log's).
        assert.equal((await store.messaging.message(conversation, later.seq))?.body, 'third')
      })
    })
  })
}
