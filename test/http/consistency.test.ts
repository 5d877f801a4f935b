// For every action: the old snapshot plus the events emitted equals a fresh GET (style rule 36).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { assertConsistent, type Client } from '../helpers/consistency.ts'
import {
  createApplication,
  PASSWORDS,
  request,
  signIn,
  startTestServer,
  type TestServer,
} from '../helpers/server.ts'

const HOST = 'pool01.example.test'
const MIN = 60_000

interface Endpoint extends Client {
  readonly self: string
  readonly token: string
  post(path: string, body?: unknown): Promise<unknown>
  put(path: string, etag: string, body: unknown): Promise<{ status: number }>
}

async function open(
  t: TestServer,
  user: 'alice' | 'bob',
  endpointId: string,
  type?: string,
): Promise<Endpoint> {
  const token = await signIn(t.internal, HOST, `${user}@example.test`, PASSWORDS[user])
  const app = await createApplication(t.internal, HOST, token, {
    UserAgent: 'consistency/1.0',
    EndpointId: endpointId,
    Culture: 'en-US',
    ...(type ? { Type: type } : {}),
  })
  const self: string = app.json._links.self.href
  return {
    name: `${user}/${endpointId}`,
    self,
    token,
    next: app.json._links.events.href,
    get: (path) => request(t.internal, path, { host: HOST, token }),
    put: (path, etag, body) =>
      request(t.internal, path, {
        host: HOST,
        token,
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'if-match': etag },
        body: JSON.stringify(body),
      }),
    post: (path, body) =>
      request(t.internal, `${self}${path}`, {
        host: HOST,
        token,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? '' : JSON.stringify(body),
      }),
  }
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
        () => web.post('/me/makeMeAvailable', { supportedModalities: ['Messaging'] }),
      ],
      ['makeMeAvailable (phone)', () => phone.post('/me/makeMeAvailable', {})],
      ['set Busy', () => web.post('/me/presence', { availability: 'Busy' })],
      ['set DoNotDisturb from the phone', () => phone.post('/me/presence', { availability: 'DoNotDisturb' })],
      ['reset to automatic', () => web.post('/me/presence', {})],
      ['set a note', () => web.post('/me/note', { message: 'consistency' })],
      ['set a location', () => phone.post('/me/location', { location: 'Lab' })],
      ['clear the note', () => web.post('/me/note', { message: '' })],
      ['report activity', () => phone.post('/me/reportMyActivity')],
      [
        'both endpoints go idle',
        async () => {
          t.clock.advance(6 * MIN)
          await t.server.presence.tick()
        },
      ],
      ['the phone reports activity again', () => phone.post('/me/reportMyActivity')],
      [
        'an out-of-office note is set by the admin',
        () => t.server.users.update('alice@example.test', { outOfOfficeNote: 'Away this week' }),
      ],
      [
        'PUT communication',
        async () => {
          const comm = await web.get(`${web.self}/communication`)
          const res = await web.put(`${web.self}/communication`, comm.headers.get('etag') ?? '', {
            ...comm.json,
            supportedMessageFormats: ['Plain', 'Html'],
          })
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
        await e.post('/me/makeMeAvailable', { supportedModalities: ['Messaging'] })
    })
    let subscription = ''
    await check('alice subscribes to bob', async () => {
      const res: any = await alice.post('/people/presenceSubscriptions', {
        duration: 30,
        uris: [`sip:${BOB}`],
      })
      assert.equal(res.status, 201)
      subscription = res.json._links.self.href
    })
    subscribed = true
    await check('bob goes Busy', () => bob.post('/me/presence', { availability: 'Busy' }))
    await check('bob sets a note', () => bob.post('/me/note', { message: 'in the lab' }))
    await check('bob sets a location (Colleagues do not see it)', () =>
      bob.post('/me/location', { location: 'Lab 3' }),
    )
    const level = (value: string) => () =>
      bob.put(`${bob.self}/people/alice@example.test/privacyRelationship`, '*', { relationshipLevel: value })
    await check('bob puts alice in his Workgroup (she now sees his location)', level('Workgroup'))
    await check('bob blocks alice', level('Blocked'))
    await check('bob makes alice External', level('External'))
    await check('bob resets alice to Colleagues', () =>
      bob.post('/people/alice@example.test/privacyRelationship/resetContactPrivacyRelationship'),
    )
    await check('alice adds bob to her contacts', () =>
      alice.post(`/people/groupMemberships?contactUri=sip:${BOB}`),
    )
    let group = ''
    await check('alice creates a group', async () => {
      const res: any = await alice.post('/people/groups', { displayName: 'Lab' })
      group = res.headers.get('location') ?? ''
      assert.ok(group, 'the new group has a Location')
    })
    const groupId = group.slice(group.lastIndexOf('/') + 1)
    await check('alice files bob in the group', () =>
      alice.post(`/people/groupMemberships?contactUri=sip:${BOB}&groupId=${groupId}`),
    )
    await check('alice renames the group', async () => {
      const g = await alice.get(group)
      const res = await alice.put(group, g.headers.get('etag') ?? '', {
        ...g.json,
        name: 'Lab team',
        displayName: 'Lab team',
      })
      assert.equal(res.status, 204)
    })
    await check('alice deletes the group', () =>
      request(t.internal, group, { host: HOST, token: alice.token, method: 'DELETE' }),
    )
    await check('alice removes bob from her contacts', () =>
      alice.post(`/people/groupMemberships/removeContactFromAllGroups?contactUri=sip:${BOB}`),
    )
    bobWebGone = true
    await check('bob’s web endpoint goes away', () =>
      request(t.internal, bob.self, { host: HOST, token: bob.token, method: 'DELETE' }),
    )
    // Bob's last endpoint goes away: alice (watching) must be told he is Offline now.
    await assertConsistent(
      [{ client: alice, hrefs: [...watching(alice), ...list(alice)] }],
      () => request(t.internal, bobOther.self, { host: HOST, token: bobOther.token, method: 'DELETE' }),
      'bob’s last endpoint goes away',
    )
    const offline = await alice.get(`${alice.self}/people/${BOB}/presence`)
    assert.equal(offline.json.availability, 'Offline')
    await assertConsistent(
      [{ client: alice, hrefs: [...watching(alice), ...list(alice)] }],
      () => request(t.internal, subscription, { host: HOST, token: alice.token, method: 'DELETE' }),
      'alice deletes the subscription',
    )
  })
})
