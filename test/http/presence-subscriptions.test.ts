// Presence subscriptions over real HTTP: creation and its initial events, contact presence
// resources, fan-out of changes, memberships, extension, expiry, deletion, isolation and bad input.
import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { SubscriptionService } from '../../src/domain/presence/subscription-service.ts'
import { request, startTestServer, type TestServer } from '../helpers/server.ts'
import {
  type Client,
  HOME,
  linkHrefs,
  available as makeAvailable,
  signedInApp,
  summary,
} from '../helpers/ucwa-client.ts'

const MINUTE = 60_000
// Long application lifetimes, so moving the clock by minutes does not expire the applications.
const EXTRA = `
applications:
  browserIdleTimeoutSeconds: 86400
  desktopIdleTimeoutSeconds: 86400
`

/** makeMeAvailable with Messaging only (and whatever else `body` says). */
const available = (c: Client, body: unknown = { SupportedModalities: ['Messaging'] }) =>
  makeAvailable(c, body)

async function subscribe(c: Client, uris: string[], duration?: number): Promise<any> {
  const res = await c.post(`${c.self}/people/presenceSubscriptions`, { duration, uris })
  assert.equal(res.status, 201, res.text)
  return res
}

describe('presence subscriptions', () => {
  let t: TestServer
  beforeEach(async () => {
    t = await startTestServer({ extra: EXTRA })
  })
  afterEach(() => t.stop())

  it('creates a subscription (201, Location) and queues contact added, subscription added, initial state', async () => {
    const bob = await signedInApp(t, 'bob')
    await available(bob)
    await bob.post(`${bob.self}/me/note`, { message: 'Heads down' })
    const alice = await signedInApp(t, 'alice')
    const res = await alice.post(`${alice.self}/people/presenceSubscriptions`, {
      Duration: 11,
      Uris: ['SIP:Bob@Example.Test'],
    })
    assert.equal(res.status, 201)
    const id: string = res.json.id
    const self = `${alice.self}/people/presenceSubscriptions/${id}`
    const memberships = `${alice.self}/people/presenceSubscriptionMemberships?presenceSubscriptionId=${id}`
    assert.deepEqual(res.json, {
      id,
      rel: 'presenceSubscription',
      _links: {
        self: { href: self },
        memberships: { href: memberships },
        addToPresenceSubscription: { href: memberships },
      },
    })
    assert.equal(res.headers.get('location'), self)

    const batch = await alice.events()
    assert.deepEqual(summary(batch), [
      'people:contact:added in subscribedContacts',
      'people:presenceSubscription:added',
      'people:contactPresence:updated in contact',
      'people:contactNote:updated in contact',
    ])
    const [added, subscription, presence] = batch.sender[0].events
    assert.equal(batch.sender[0].href, `${alice.self}/people`)
    assert.deepEqual(added.link, { rel: 'contact', href: `${alice.self}/people/bob@example.test` })
    assert.deepEqual(added.in, { rel: 'subscribedContacts', href: `${alice.self}/people/subscribedContacts` })
    assert.deepEqual(subscription.link, { rel: 'presenceSubscription', href: self })
    assert.deepEqual(presence.link, {
      rel: 'contactPresence',
      href: `${alice.self}/people/bob@example.test/presence`,
    })
    assert.deepEqual(presence.in, { rel: 'contact', href: `${alice.self}/people/bob@example.test` })
    assert.equal(presence._embedded, undefined, 'contact presence is never embedded')

    // The resource, its memberships and subscribedContacts.
    assert.deepEqual((await alice.get(self)).json, res.json)
    const list = await alice.get(memberships)
    assert.equal(list.json.rel, 'presenceSubscriptionMemberships')
    assert.equal(list.json._links.self.href, memberships)
    const [membership] = list.json._embedded.presenceSubscriptionMembership
    assert.deepEqual(membership._links.contact, { href: `${alice.self}/people/bob@example.test` })
    assert.deepEqual(membership._links.presenceSubscription, { href: self })
    assert.equal(
      membership._links.self.href,
      `${alice.self}/people/presenceSubscriptionMemberships/${id},bob@example.test`,
    )
    assert.equal((await alice.get(membership._links.self.href)).json.rel, 'presenceSubscriptionMembership')
    const all = await alice.get(`${alice.self}/people/presenceSubscriptions`)
    assert.deepEqual(
      all.json._embedded.presenceSubscription.map((s: any) => s.id),
      [id],
    )

    const contacts = await alice.get(`${alice.self}/people/subscribedContacts`)
    assert.equal(contacts.status, 200)
    const bobHref = `${alice.self}/people/bob@example.test`
    assert.deepEqual(contacts.json._links.contact, [{ href: bobHref }])
    assert.deepEqual(contacts.json._embedded.contact, [
      {
        uri: 'sip:bob@example.test',
        name: 'Bob Baker',
        type: 'User',
        sourceNetwork: 'SameEnterprise',
        rel: 'contact',
        _links: {
          self: { href: bobHref },
          contactPhoto: { href: `${alice.self}/photos/bob@example.test` },
          contactPresence: { href: `${bobHref}/presence` },
          contactLocation: { href: `${bobHref}/location` },
          contactNote: { href: `${bobHref}/note` },
          contactSupportedModalities: { href: `${bobHref}/supportedMedia` },
          contactPrivacyRelationship: { href: `${bobHref}/privacyRelationship` },
        },
      },
    ])
  })

  it('accepts the XML <input> form, quoted URIs included, and answers in XML', async () => {
    const alice = await signedInApp(t, 'alice')
    const body =
      '<?xml version="1.0" encoding="utf-8"?><input xmlns="http://schemas.microsoft.com/rtc/2012/03/ucwa">' +
      '<property name="duration">15</property><propertyList name="uris">' +
      '<item>"sip:bob@example.test"</item><item> sip:carol@other.test</item></propertyList></input>'
    const res = await alice.send('POST', `${alice.self}/people/presenceSubscriptions`, body, {
      'content-type': 'application/xml',
      accept: 'application/xml',
    })
    assert.equal(res.status, 201, res.text)
    assert.match(
      res.text,
      /<resource rel="presenceSubscription" href="[^"]+\/people\/presenceSubscriptions\/[^"]+"/,
    )
    assert.match(res.text, /<link rel="addToPresenceSubscription" href="[^"]+presenceSubscriptionId=/)
    const contacts = await alice.get(`${alice.self}/people/subscribedContacts`)
    assert.deepEqual(
      contacts.json._embedded.contact.map((c: any) => c.uri),
      ['sip:bob@example.test', 'sip:carol@other.test'],
    )
  })

  it('shows a watched contact going Online → Busy → Offline, in events and in fresh GETs', async () => {
    const alice = await signedInApp(t, 'alice')
    await subscribe(alice, ['bob@example.test'])
    await alice.events()
    const presenceHref = `${alice.self}/people/bob@example.test/presence`
    assert.equal((await alice.get(presenceHref)).json.availability, 'Offline')

    const bob = await signedInApp(t, 'bob')
    await available(bob)
    assert.deepEqual(linkHrefs(await alice.events(), 'contactPresence'), [presenceHref])
    const online = await alice.get(presenceHref)
    assert.equal(online.json.availability, 'Online')
    assert.equal(online.json.rel, 'contactPresence')
    assert.equal(online.json._links.self.href, presenceHref)
    assert.equal(online.json.lastActive, `/Date(${t.clock.now()})/`)
    assert.match(online.text, /"lastActive":"\\\/Date\(\d+\)\\\/"/, 'ASP.NET date with escaped slashes')

    await bob.post(`${bob.self}/me/presence`, { availability: 'Busy' })
    assert.deepEqual(summary(await alice.events()), ['people:contactPresence:updated in contact'])
    assert.equal((await alice.get(presenceHref)).json.availability, 'Busy')

    assert.equal((await bob.send('DELETE', bob.self)).status, 204)
    assert.deepEqual(summary(await alice.events()), [
      'people:contactPresence:updated in contact',
      'people:contactSupportedModalities:updated in contact',
    ])
    const offline = await alice.get(presenceHref)
    assert.equal(offline.json.availability, 'Offline')
    assert.equal(offline.json.deviceType, 'Unknown')
  })

  it('coalesces several changes before the next P-GET into one contactPresence update', async () => {
    const alice = await signedInApp(t, 'alice')
    await subscribe(alice, ['bob@example.test'])
    await alice.events()
    const bob = await signedInApp(t, 'bob')
    await available(bob)
    for (const availability of ['Busy', 'DoNotDisturb', 'BeRightBack']) {
      assert.equal((await bob.post(`${bob.self}/me/presence`, { availability })).status, 204)
    }
    // Bob's endpoint appearing also changed what he can be reached with (not coalescable with presence).
    assert.deepEqual(summary(await alice.events()), [
      'people:contactSupportedModalities:updated in contact',
      'people:contactPresence:updated in contact',
    ])
    assert.equal(
      (await alice.get(`${alice.self}/people/bob@example.test/presence`)).json.availability,
      'BeRightBack',
    )
    assert.deepEqual((await alice.events()).sender, [])
  })

  it('fans out only to applications that subscribed', async () => {
    const watcher = await signedInApp(t, 'alice', 'watching')
    const idle = await signedInApp(t, 'alice', 'not-watching')
    const carol = await signedInApp(t, 'carol')
    await subscribe(watcher, ['bob@example.test'])
    await watcher.events()
    await idle.events()
    await carol.events()
    const bob = await signedInApp(t, 'bob')
    await available(bob)
    await bob.post(`${bob.self}/me/note`, { message: 'Lunch' })
    assert.deepEqual(summary(await watcher.events()), [
      'people:contactPresence:updated in contact',
      'people:contactSupportedModalities:updated in contact',
      'people:contactNote:updated in contact',
    ])
    assert.deepEqual((await idle.events()).sender, [])
    assert.deepEqual((await carol.events()).sender, [])
  })

  it('works across pools: carol (pool02) watches bob (pool01)', async () => {
    const carol = await signedInApp(t, 'carol')
    await subscribe(carol, ['sip:bob@example.test'])
    await carol.events()
    const bob = await signedInApp(t, 'bob')
    await available(bob)
    assert.deepEqual(linkHrefs(await carol.events(), 'contactPresence'), [
      `${carol.self}/people/bob@example.test/presence`,
    ])
  })

  it('adds and removes members', async () => {
    const alice = await signedInApp(t, 'alice')
    const created = await subscribe(alice, ['bob@example.test'])
    const id: string = created.json.id
    await alice.events()
    const add = created.json._links.addToPresenceSubscription.href
    const res = await alice.post(add, { ContactUris: ['carol@other.test', 'bob@example.test'] })
    assert.equal(res.status, 201, res.text)
    const members = res.json._embedded.presenceSubscriptionMembership.map((m: any) => m._links.contact.href)
    assert.deepEqual(members.sort(), [
      `${alice.self}/people/bob@example.test`,
      `${alice.self}/people/carol@other.test`,
    ])
    // Only the new member is announced.
    assert.deepEqual(summary(await alice.events()), [
      'people:contact:added in subscribedContacts',
      'people:contactPresence:updated in contact',
    ])

    const bobMembership = `${alice.self}/people/presenceSubscriptionMemberships/${id},bob@example.test`
    assert.equal((await alice.send('DELETE', bobMembership)).status, 204)
    const removed = await alice.events()
    assert.deepEqual(summary(removed), ['people:contact:deleted in subscribedContacts'])
    assert.deepEqual(linkHrefs(removed, 'contact'), [`${alice.self}/people/bob@example.test`])
    assert.equal((await alice.send('DELETE', bobMembership)).status, 404)

    const bob = await signedInApp(t, 'bob')
    await available(bob)
    const carol = await signedInApp(t, 'carol')
    await available(carol)
    assert.deepEqual(linkHrefs(await alice.events(), 'contactPresence'), [
      `${alice.self}/people/carol@other.test/presence`,
    ])

    // `uris` is accepted as well, and the `<address>?presenceSubscriptionId=` membership form.
    assert.equal((await alice.post(add, { uris: ['bob@example.test'] })).status, 201)
    await alice.events()
    const byQuery = `${alice.self}/people/presenceSubscriptionMemberships/carol@other.test?presenceSubscriptionId=${id}`
    assert.equal((await alice.send('DELETE', byQuery)).status, 204)
    const contacts = await alice.get(`${alice.self}/people/subscribedContacts`)
    assert.deepEqual(
      contacts.json._embedded.contact.map((c: any) => c.uri),
      ['sip:bob@example.test'],
    )
  })

  it('extends a subscription by the remaining time plus duration, at most 30 minutes', async () => {
    const alice = await signedInApp(t, 'alice')
    const created = await subscribe(alice, ['bob@example.test'], 10)
    const self: string = created.json._links.self.href
    await alice.events()
    t.clock.advance(9 * MINUTE)
    const extended = await alice.post(`${self}?duration=10`)
    assert.equal(extended.status, 200, extended.text)
    assert.deepEqual(extended.json, created.json)
    // 1 min remaining + 10 → 11 min: alive at 10, gone at 11.
    t.clock.advance(10 * MINUTE)
    assert.equal((await alice.get(self)).status, 200)
    const bob = await signedInApp(t, 'bob')
    await available(bob)
    assert.deepEqual(summary(await alice.events()), [
      'people:contactPresence:updated in contact',
      'people:contactSupportedModalities:updated in contact',
    ])
    t.clock.advance(MINUTE)
    assert.equal((await alice.get(self)).status, 404)

    // Capped at 30 minutes from now.
    const capped = await subscribe(alice, ['bob@example.test'], 30)
    const cappedSelf: string = capped.json._links.self.href
    assert.equal((await alice.post(`${cappedSelf}?Duration=30`)).status, 200)
    t.clock.advance(30 * MINUTE)
    assert.equal((await alice.get(cappedSelf)).status, 404)
    assert.equal(
      (await alice.post(`${cappedSelf}?duration=10`)).status,
      404,
      'an expired one cannot be extended',
    )
  })

  it('warns once before expiry, then ends the subscription and stops its events', async () => {
    const alice = await signedInApp(t, 'alice')
    const bob = await signedInApp(t, 'bob')
    await available(bob)
    const created = await subscribe(alice, ['bob@example.test'], 10)
    const id: string = created.json.id
    await alice.events()

    t.clock.advance(9 * MINUTE + 30_000)
    await t.server.subscriptions.tick()
    await t.server.subscriptions.tick()
    const warning = await alice.events()
    assert.deepEqual(summary(warning), ['people:presenceSubscription:updated'])
    assert.deepEqual(warning.sender[0].events[0]._embedded.presenceSubscription, created.json)
    assert.deepEqual((await alice.events()).sender, [], 'warned only once')

    t.clock.advance(31_000)
    await t.server.subscriptions.tick()
    assert.deepEqual(summary(await alice.events()), [
      'people:presenceSubscription:deleted',
      'people:contact:deleted in subscribedContacts',
    ])
    assert.equal((await alice.get(created.json._links.self.href)).status, 404)
    assert.equal((await t.server.store.subscriptions.find(id)) === undefined, true, 'cleaned up')

    // Bob's idle endpoint and explicit changes no longer reach alice.
    await t.server.presence.tick()
    await bob.post(`${bob.self}/me/presence`, { availability: 'Busy' })
    t.clock.advance(20 * MINUTE)
    await t.server.presence.tick()
    await t.server.subscriptions.tick()
    assert.deepEqual((await alice.events()).sender, [])
    const contacts = await alice.get(`${alice.self}/people/subscribedContacts`)
    assert.deepEqual(contacts.json._embedded.contact, [])
  })

  it('deletes a subscription (204); no events follow', async () => {
    const alice = await signedInApp(t, 'alice')
    const created = await subscribe(alice, ['bob@example.test', 'carol@other.test'])
    const self: string = created.json._links.self.href
    await alice.events()
    assert.equal((await alice.send('DELETE', self)).status, 204)
    assert.deepEqual(summary(await alice.events()), [
      'people:presenceSubscription:deleted',
      'people:contact:deleted in subscribedContacts',
      'people:contact:deleted in subscribedContacts',
    ])
    assert.equal((await alice.get(self)).status, 404)
    assert.equal((await alice.send('DELETE', self)).status, 404)
    const bob = await signedInApp(t, 'bob')
    await available(bob)
    assert.deepEqual((await alice.events()).sender, [])
  })

  it('keeps contacts watched by another subscription of the same application', async () => {
    const alice = await signedInApp(t, 'alice')
    const first = await subscribe(alice, ['bob@example.test'])
    await subscribe(alice, ['bob@example.test'])
    // The second subscription does not announce bob again (and its initial state is coalesced
    // with the first one's, as both wait for the same P-GET).
    assert.deepEqual(summary(await alice.events()), [
      'people:contact:added in subscribedContacts',
      'people:presenceSubscription:added',
      'people:presenceSubscription:added',
      'people:contactPresence:updated in contact',
    ])
    assert.equal((await alice.send('DELETE', first.json._links.self.href)).status, 204)
    assert.deepEqual(summary(await alice.events()), ['people:presenceSubscription:deleted'])
    const bob = await signedInApp(t, 'bob')
    await available(bob)
    assert.deepEqual(summary(await alice.events()), [
      'people:contactPresence:updated in contact',
      'people:contactSupportedModalities:updated in contact',
    ])
  })

  it("answers 404 for another user's or another application's subscription, changing nothing", async () => {
    const alice = await signedInApp(t, 'alice')
    const created = await subscribe(alice, ['bob@example.test'])
    const id: string = created.json.id
    await alice.events()
    for (const other of [await signedInApp(t, 'bob'), await signedInApp(t, 'alice', 'alice-2')]) {
      const self = `${other.self}/people/presenceSubscriptions/${id}`
      const memberships = `${other.self}/people/presenceSubscriptionMemberships?presenceSubscriptionId=${id}`
      assert.equal((await other.get(self)).status, 404)
      assert.equal((await other.post(`${self}?duration=30`)).status, 404)
      assert.equal((await other.send('DELETE', self)).status, 404)
      assert.equal((await other.get(memberships)).status, 404)
      assert.equal((await other.post(memberships, { contactUris: ['carol@other.test'] })).status, 404)
      const membership = `${other.self}/people/presenceSubscriptionMemberships/${id},bob@example.test`
      assert.equal((await other.send('DELETE', membership)).status, 404)
      const body = (await other.get(self)).json
      assert.equal(body.code, 'NotFound')
    }
    // Alice's application under bob's token: the application itself is not found.
    const bob = await signedInApp(t, 'bob', 'bob-2')
    const foreign = await request(t.internal, created.json._links.self.href, {
      host: HOME.bob,
      token: bob.token,
    })
    assert.equal(foreign.status, 404)
    // Nothing changed for alice.
    assert.equal((await alice.get(created.json._links.self.href)).status, 200)
    const list = await alice.get(created.json._links.memberships.href)
    assert.equal(list.json._embedded.presenceSubscriptionMembership.length, 1)
    assert.deepEqual((await alice.events()).sender, [])
  })

  it('refuses bad input with UCWA errors and changes nothing', async () => {
    const alice = await signedInApp(t, 'alice')
    const url = `${alice.self}/people/presenceSubscriptions`
    const malformed = await alice.send('POST', url, '{"uris": [')
    assert.equal(malformed.status, 400)
    assert.equal(malformed.json.subcode, 'DeserializationFailure')
    for (const body of [
      { uris: 'sip:bob@example.test' },
      { uris: [42] },
      { duration: 'soon', uris: ['bob@example.test'] },
      { duration: true, uris: ['bob@example.test'] },
      { uris: ['not a sip uri'] },
      { uris: ['bob@example.test', 'nobody@example.test'] },
    ]) {
      const res = await alice.post(url, body)
      assert.equal(res.status, 400, JSON.stringify(body))
      assert.equal(res.json.code, 'BadRequest')
      assert.equal(res.json.subcode, 'ParameterValidationFailure')
    }
    const array = await alice.send('POST', url, '["bob@example.test"]')
    assert.equal(array.status, 400)

    // More contacts than the cap: 403 LimitExceeded.
    const many = Array.from({ length: 1001 }, (_, i) => `user${i}@example.test`)
    const limit = await alice.post(url, { duration: 30, uris: many })
    assert.equal(limit.status, 403)
    assert.deepEqual([limit.json.code, limit.json.subcode], ['Forbidden', 'LimitExceeded'])

    assert.deepEqual((await alice.get(url)).json._embedded.presenceSubscription, [])
    assert.deepEqual((await alice.events()).sender, [])

    // Memberships and extension validate too.
    const created = await subscribe(alice, ['bob@example.test'])
    await alice.events()
    const add = created.json._links.addToPresenceSubscription.href
    assert.equal((await alice.post(add, {})).status, 400)
    assert.equal((await alice.post(add, { contactUris: 'carol@other.test' })).status, 400)
    assert.equal((await alice.post(add, { contactUris: ['???'] })).status, 400)
    assert.equal((await alice.post(add, { contactUris: many })).status, 403)
    assert.equal(
      (
        await alice.post(`${alice.self}/people/presenceSubscriptionMemberships`, {
          contactUris: ['carol@other.test'],
        })
      ).status,
      400,
    )
    assert.equal((await alice.post(`${created.json._links.self.href}?duration=abc`)).status, 400)
    const list = await alice.get(created.json._links.memberships.href)
    assert.equal(list.json._embedded.presenceSubscriptionMembership.length, 1)
    assert.deepEqual((await alice.events()).sender, [])
  })

  it('counts the cap over all of the user’s applications, a contact once per application', async () => {
    const one = await signedInApp(t, 'alice', 'alice-1')
    const two = await signedInApp(t, 'alice', 'alice-2')
    // The same service over the same store, with a cap of 2 contacts.
    const { store, channel, presence } = t.server
    const small = new SubscriptionService({
      store,
      channel,
      presence,
      clock: t.clock,
      random: { token: () => `s${Math.random().toString(36).slice(2, 10)}` } as never,
      settings: { maxContactsPerUser: 2, warnBeforeMs: 60_000 },
    })
    const user = await store.users.findBySipUri('sip:alice@example.test' as never)
    assert.ok(user)
    const session = { user, tokenDigest: '', pool: HOME.alice, expiresAt: Number.MAX_SAFE_INTEGER }
    const appOf = async (c: Client) => {
      const app = await store.applications.find(c.self.split('/').at(-1) as never)
      assert.ok(app)
      return app
    }
    const appOne = await appOf(one)
    const appTwo = await appOf(two)
    await small.create(session, appOne, { uris: ['bob@example.test'], field: 'uris' })
    // Watching bob again from the same application does not count twice.
    await small.create(session, appOne, { uris: ['bob@example.test'], field: 'uris' })
    await small.create(session, appTwo, { uris: ['carol@other.test'], field: 'uris' })
    await assert.rejects(
      small.create(session, appTwo, { uris: ['bob@example.test'], field: 'uris' }),
      (e: any) => e.key === 'LimitExceeded',
    )
    const [first] = await small.list(session, appTwo)
    assert.ok(first)
    await assert.rejects(
      small.addMembers(session, appTwo, first.id, { uris: ['bob@example.test'], field: 'contactUris' }),
      (e: any) => e.key === 'LimitExceeded',
    )
    assert.deepEqual(await store.subscriptions.members(first.id), ['sip:carol@other.test'])
  })
})

describe('contact presence resources', () => {
  let t: TestServer
  beforeEach(async () => {
    t = await startTestServer({ extra: EXTRA })
  })
  afterEach(() => t.stop())

  it('serve presence, note, location and supported media to any application, subscribed or not', async () => {
    const alice = await signedInApp(t, 'alice')
    const base = `${alice.self}/people/bob@example.test`
    const offline = await alice.get(`${base}/presence`)
    assert.equal(offline.status, 200)
    assert.deepEqual(offline.json, {
      availability: 'Offline',
      deviceType: 'Unknown',
      rel: 'contactPresence',
      _links: { self: { href: `${base}/presence` } },
    })
    assert.deepEqual((await alice.get(`${base}/supportedMedia`)).json, {
      modalities: [],
      rel: 'contactSupportedModalities',
      _links: { self: { href: `${base}/supportedMedia` } },
    })

    const bob = await signedInApp(t, 'bob')
    await available(bob, { SupportedModalities: ['Messaging', 'Audio'] })
    const bob2 = await signedInApp(t, 'bob', 'bob-2')
    await available(bob2, { supportedModalities: ['Messaging', 'Video'] })
    await bob.post(`${bob.self}/me/presence`, { availability: 'Offwork' })
    await bob.post(`${bob.self}/me/note`, { message: 'Back on Monday' })
    await bob.post(`${bob.self}/me/location`, { location: 'Building 7' })

    // Any casing and the sip: form name the same contact.
    const presence = await alice.get(`${alice.self}/people/sip:Bob@Example.Test/presence`)
    assert.equal(presence.json.availability, 'Away')
    assert.equal(presence.json.activity, 'off-work')
    assert.equal(presence.json._links.self.href, `${base}/presence`)
    assert.deepEqual((await alice.get(`${base}/note`)).json, {
      message: 'Back on Monday',
      type: 'Personal',
      rel: 'contactNote',
      _links: { self: { href: `${base}/note` } },
    })
    // Colleagues (the default) see no location.
    assert.deepEqual((await alice.get(`${base}/location`)).json, {
      location: '',
      rel: 'contactLocation',
      _links: { self: { href: `${base}/location` } },
    })
    const media = await alice.get(`${base}/supportedMedia`)
    assert.deepEqual(media.json.modalities.sort(), ['Audio', 'Messaging', 'Video'])

    // XML as well.
    const xml = await alice.get(`${base}/presence`, { accept: 'application/xml' })
    assert.match(xml.text, /<resource rel="contactPresence" href="[^"]+\/people\/bob@example.test\/presence"/)
    assert.match(xml.text, /<property name="lastActive">\d{4}-\d\d-\d\dT/)
    const xmlMedia = await alice.get(`${base}/supportedMedia`, { accept: 'application/xml' })
    assert.match(xmlMedia.text, /<propertyList name="modalities">/)
  })

  it('answers 404 for unknown or malformed contacts', async () => {
    const alice = await signedInApp(t, 'alice')
    for (const contact of ['nobody@example.test', 'not-an-address']) {
      for (const leaf of ['presence', 'note', 'location', 'supportedMedia', 'privacyRelationship']) {
        const res = await alice.get(`${alice.self}/people/${contact}/${leaf}`)
        assert.equal(res.status, 404, `${contact}/${leaf}`)
        assert.equal(res.json.code, 'NotFound')
      }
    }
  })
})
