// For every action: the old snapshot plus the events emitted equals a fresh GET (style rule 36).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { assertConsistent } from '../helpers/consistency.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { type Client, signedInApp } from '../helpers/ucwa-client.ts'

const MIN = 60_000

/** A shared client with the name and drain state the consistency check keeps. */
interface Endpoint extends Client {
  readonly name: string
  drained?: boolean
}

async function open(
  t: TestServer,
  user: 'alice' | 'bob',
  endpointId: string,
  type?: string,
): Promise<Endpoint> {
  const client = await signedInApp(t, user, endpointId, {
    UserAgent: 'consistency/1.0',
    ...(type ? { Type: type } : {}),
  })
  return Object.assign(client, { name: `${user}/${endpointId}` })
}

const own = (e: Endpoint) => [
  `${e.self}/me`,
  `${e.self}/me/presence`,
  `${e.self}/me/note`,
  `${e.self}/me/location`,
  `${e.self}/communication`,
]

describe('event consistency: presence actions', () => {
  let t: TestServer
  before(async () => {
    t = await startTestServer()
  })
  after(() => t.stop())

  it('holds for the acting endpoint and the user’s other endpoint on every action', async () => {
    const web = await open(t, 'alice', 'web')
    const phone = await open(t, 'alice', 'phone', 'Phone')
    const observers = () => [
      { client: web, hrefs: own(web) },
      { client: phone, hrefs: own(phone) },
    ]
    const actions: [string, () => Promise<unknown>][] = [
      [
        'makeMeAvailable (web)',
        () => web.post(`${web.self}/me/makeMeAvailable`, { supportedModalities: ['Messaging'] }),
      ],
      ['makeMeAvailable (phone)', () => phone.post(`${phone.self}/me/makeMeAvailable`, {})],
      ['set Busy', () => web.post(`${web.self}/me/presence`, { availability: 'Busy' })],
      [
        'set DoNotDisturb from the phone',
        () => phone.post(`${phone.self}/me/presence`, { availability: 'DoNotDisturb' }),
      ],
      ['reset to automatic', () => web.post(`${web.self}/me/presence`, {})],
      ['set a note', () => web.post(`${web.self}/me/note`, { message: 'consistency' })],
      ['set a location', () => phone.post(`${phone.self}/me/location`, { location: 'Lab' })],
      ['clear the note', () => web.post(`${web.self}/me/note`, { message: '' })],
      ['report activity', () => phone.post(`${phone.self}/me/reportMyActivity`)],
      [
        'both endpoints go idle',
        async () => {
          t.clock.advance(6 * MIN)
          await t.server.presence.tick()
        },
      ],
      ['the phone reports activity again', () => phone.post(`${phone.self}/me/reportMyActivity`)],
      [
        'an out-of-office note is set by the admin',
        () => t.server.users.update('alice@example.test', { outOfOfficeNote: 'Away this week' }),
      ],
      [
        'PUT communication',
        async () => {
          const comm = await web.get(`${web.self}/communication`)
          const res = await web.put(
            `${web.self}/communication`,
            { ...comm.json, supportedMessageFormats: ['Plain', 'Html'] },
            { 'if-match': comm.headers.get('etag') ?? '' },
          )
          assert.equal(res.status, 204)
        },
      ],
    ]
    for (const [label, action] of actions) await assertConsistent(observers(), action, label)
  })
})

describe('event consistency: subscriptions, privacy and the contact list', () => {
  let t: TestServer
  before(async () => {
    t = await startTestServer()
  })
  after(() => t.stop())

  it('holds for a watcher, the watched user and both of a user’s endpoints on every action', async () => {
    const alice = await open(t, 'alice', 'alice-web')
    const alicePhone = await open(t, 'alice', 'alice-phone', 'Phone')
    const bob = await open(t, 'bob', 'bob-web')
    const bobOther = await open(t, 'bob', 'bob-other')
    const BOB = 'bob@example.test'
    const watching = (e: Endpoint) => [
      `${e.self}/people/subscribedContacts`,
      `${e.self}/people/${BOB}/presence`,
      `${e.self}/people/${BOB}/note`,
      `${e.self}/people/${BOB}/location`,
      `${e.self}/people/${BOB}/supportedMedia`,
    ]
    const list = (e: Endpoint) => [
      `${e.self}/people/contacts`,
      `${e.self}/people/groups`,
      `${e.self}/people/groupMemberships`,
    ]
    const privacy = (e: Endpoint) => [
      `${e.self}/people/privacyRelationships`,
      `${e.self}/people/alice@example.test/privacyRelationship`,
    ]
    // Without a subscription nothing tells alice about bob's presence (as in UCWA): she only
    // observes it once subscribed.
    let subscribed = false
    let bobWebGone = false
    const observers = () => [
      { client: alice, hrefs: [...(subscribed ? watching(alice) : []), ...list(alice)] },
      { client: alicePhone, hrefs: list(alicePhone) },
      ...(bobWebGone ? [] : [{ client: bob, hrefs: [...own(bob), ...privacy(bob)] }]),
      { client: bobOther, hrefs: [...own(bobOther), ...privacy(bobOther)] },
    ]
    const check = (label: string, action: () => Promise<unknown>) =>
      assertConsistent(observers(), action, label)

    await check('endpoints become available', async () => {
      for (const e of [alice, alicePhone, bob, bobOther])
        await e.post(`${e.self}/me/makeMeAvailable`, { supportedModalities: ['Messaging'] })
    })
    let subscription = ''
    await check('alice subscribes to bob', async () => {
      const res = await alice.post(`${alice.self}/people/presenceSubscriptions`, {
        duration: 30,
        uris: [`sip:${BOB}`],
      })
      assert.equal(res.status, 201)
      subscription = res.json._links.self.href
    })
    subscribed = true
    await check('bob goes Busy', () => bob.post(`${bob.self}/me/presence`, { availability: 'Busy' }))
    await check('bob sets a note', () => bob.post(`${bob.self}/me/note`, { message: 'in the lab' }))
    await check('bob sets a location (Colleagues do not see it)', () =>
      bob.post(`${bob.self}/me/location`, { location: 'Lab 3' }),
    )
    const level = (value: string) => () =>
      bob.put(
        `${bob.self}/people/alice@example.test/privacyRelationship`,
        { relationshipLevel: value },
        { 'if-match': '*' },
      )
    await check('bob puts alice in his Workgroup (she now sees his location)', level('Workgroup'))
    await check('bob blocks alice', level('Blocked'))
    await check('bob makes alice External', level('External'))
    await check('bob resets alice to Colleagues', () =>
      bob.post(`${bob.self}/people/alice@example.test/privacyRelationship/resetContactPrivacyRelationship`),
    )
    await check('alice adds bob to her contacts', () =>
      alice.post(`${alice.self}/people/groupMemberships?contactUri=sip:${BOB}`),
    )
    let group = ''
    await check('alice creates a group', async () => {
      const res = await alice.post(`${alice.self}/people/groups`, { displayName: 'Lab' })
      group = res.headers.get('location') ?? ''
      assert.ok(group, 'the new group has a Location')
    })
    const groupId = group.slice(group.lastIndexOf('/') + 1)
    await check('alice files bob in the group', () =>
      alice.post(`${alice.self}/people/groupMemberships?contactUri=sip:${BOB}&groupId=${groupId}`),
    )
    await check('alice renames the group', async () => {
      const g = await alice.get(group)
      const res = await alice.put(
        group,
        { ...g.json, name: 'Lab team', displayName: 'Lab team' },
        { 'if-match': g.headers.get('etag') ?? '' },
      )
      assert.equal(res.status, 204)
    })
    await check('alice deletes the group', () => alice.del(group))
    await check('alice removes bob from her contacts', () =>
      alice.post(`${alice.self}/people/groupMemberships/removeContactFromAllGroups?contactUri=sip:${BOB}`),
    )
    bobWebGone = true
    await check('bob’s web endpoint goes away', () => bob.del(bob.self))
    // Bob's last endpoint goes away: alice (watching) must be told he is Offline now.
    await assertConsistent(
      [{ client: alice, hrefs: [...watching(alice), ...list(alice)] }],
      () => bobOther.del(bobOther.self),
      'bob’s last endpoint goes away',
    )
    const offline = await alice.get(`${alice.self}/people/${BOB}/presence`)
    assert.equal(offline.json.availability, 'Offline')
    await assertConsistent(
      [{ client: alice, hrefs: [...watching(alice), ...list(alice)] }],
      () => alice.del(subscription),
      'alice deletes the subscription',
    )
  })
})
