// Privacy relationships over real HTTP: reading and setting the level a user gives a contact,
// and what watchers see (and are told) when it changes.
import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { eventsOf, signedInApp } from '../helpers/ucwa-client.ts'

const LEVELS = ['Blocked', 'External', 'Colleagues', 'Workgroup', 'FriendsAndFamily']

/** Bob signed in and available with a note and a location; alice watching him. */
async function scene(t: TestServer) {
  const bob = await signedInApp(t, 'bob')
  assert.equal(
    (await bob.post(`${bob.self}/me/makeMeAvailable`, { SupportedModalities: ['Messaging'] })).status,
    204,
  )
  await bob.post(`${bob.self}/me/presence`, { availability: 'Offwork' })
  await bob.post(`${bob.self}/me/note`, { message: 'Heads down' })
  await bob.post(`${bob.self}/me/location`, { location: 'Building 7' })
  const alice = await signedInApp(t, 'alice')
  const created = await alice.post(`${alice.self}/people/presenceSubscriptions`, {
    uris: ['bob@example.test'],
  })
  assert.equal(created.status, 201)
  await alice.events()
  const ofBob = `${alice.self}/people/bob@example.test`
  const view = async () => ({
    presence: (await alice.get(`${ofBob}/presence`)).json,
    note: (await alice.get(`${ofBob}/note`)).json,
    location: (await alice.get(`${ofBob}/location`)).json,
    media: (await alice.get(`${ofBob}/supportedMedia`)).json,
  })
  const bobSets = (level: string) =>
    bob.send(
      'PUT',
      `${bob.self}/people/alice@example.test/privacyRelationship`,
      JSON.stringify({ rel: 'contactPrivacyRelationship', relationshipLevel: level }),
    )
  return { alice, bob, ofBob, view, bobSets }
}

// A privacy change tells the watcher exactly which of the contact's resources now look different.
const PRESENCE = 'people:contactPresence:updated'
const NOTE = 'people:contactNote:updated'
const LOCATION = 'people:contactLocation:updated'
const MEDIA = 'people:contactSupportedModalities:updated'

describe('privacy relationships', () => {
  let t: TestServer
  beforeEach(async () => {
    t = await startTestServer()
  })
  afterEach(() => t.stop())

  it('defaults every directory user to Colleagues and lists the levels', async () => {
    const alice = await signedInApp(t, 'alice')
    const href = `${alice.self}/people/bob@example.test/privacyRelationship`
    const res = await alice.get(href)
    assert.equal(res.status, 200)
    assert.deepEqual(res.json, {
      relationshipLevel: 'Colleagues',
      rel: 'contactPrivacyRelationship',
      _links: {
        self: { href },
        resetContactPrivacyRelationship: { href: `${href}/resetContactPrivacyRelationship` },
      },
    })
    assert.match(res.headers.get('etag') ?? '', /^"\d+"$/)

    const mine = await alice.get(`${alice.self}/people/privacyRelationships`)
    assert.equal(mine.json.rel, 'myPrivacyRelationships')
    assert.equal(mine.json._links.self.href, `${alice.self}/people/privacyRelationships`)
    assert.deepEqual(
      mine.json._embedded.myPrivacyRelationship.map((r: any) => [r.relationshipLevel, r._links.contact]),
      LEVELS.map((l) => [l, []]),
    )
    assert.deepEqual(
      mine.json._links.myPrivacyRelationship.map((l: any) => l.href),
      LEVELS.map((l) => `${alice.self}/people/privacyRelationships/${l}`),
    )
  })

  it('Blocked: the watcher is told at once and sees Offline, no note, no location, no media', async () => {
    const { alice, bob, ofBob, view, bobSets } = await scene(t)
    const before = await view()
    assert.equal(before.presence.availability, 'Away')
    assert.equal(before.presence.activity, 'off-work')
    assert.equal(before.note.message, 'Heads down')
    assert.equal(before.location.location, '', 'Colleagues see no location')

    // Workgroup first: the location becomes visible.
    assert.equal((await bobSets('Workgroup')).status, 204)
    assert.deepEqual(eventsOf(await alice.events()), [LOCATION])
    assert.equal((await view()).location.location, 'Building 7')

    assert.equal((await bobSets('Blocked')).status, 204)
    const batch = await alice.events()
    assert.deepEqual(eventsOf(batch), [PRESENCE, NOTE, LOCATION, MEDIA])
    assert.equal(batch.sender[0].events[0].link.href, `${ofBob}/presence`)
    const blocked = await view()
    assert.deepEqual(blocked.presence, {
      availability: 'Offline',
      deviceType: 'Unknown',
      rel: 'contactPresence',
      _links: { self: { href: `${ofBob}/presence` } },
    })
    assert.equal(blocked.note.message, '')
    assert.equal(blocked.location.location, '')
    assert.deepEqual(blocked.media.modalities, [])

    // Changes bob makes now reach alice only as far as Blocked shows them: not at all.
    await bob.post(`${bob.self}/me/note`, { message: 'Secret' })
    await bob.post(`${bob.self}/me/presence`, { availability: 'Busy' })
    assert.deepEqual((await alice.events()).sender, [])

    // Bob's list names alice under Blocked; alice's own view of bob is untouched (no leak).
    const list = await bob.get(`${bob.self}/people/privacyRelationships`)
    const blockedEntry = list.json._embedded.myPrivacyRelationship.find(
      (r: any) => r.relationshipLevel === 'Blocked',
    )
    assert.deepEqual(blockedEntry._links.contact, [{ href: `${bob.self}/people/alice@example.test` }])
    const level = await bob.get(`${bob.self}/people/privacyRelationships/blocked`)
    assert.equal(level.json.relationshipLevel, 'Blocked')
    assert.equal(level.json._links.contact.length, 1)
    assert.equal((await alice.get(`${ofBob}/privacyRelationship`)).json.relationshipLevel, 'Colleagues')
    assert.equal(
      (await bob.get(`${bob.self}/people/alice@example.test/privacyRelationship`)).json.relationshipLevel,
      'Blocked',
    )
  })

  it('External hides activity, note and last-active time; resetting restores Colleagues', async () => {
    const { alice, bob, view, bobSets } = await scene(t)
    const colleagues = await view()
    assert.ok(colleagues.presence.lastActive)

    assert.equal((await bobSets('External')).status, 204)
    assert.deepEqual(eventsOf(await alice.events()), [PRESENCE, NOTE])
    const external = await view()
    assert.equal(external.presence.availability, 'Away')
    assert.equal(external.presence.activity, undefined)
    assert.equal(external.presence.lastActive, undefined)
    assert.equal(external.note.message, '')
    assert.deepEqual(external.media.modalities, ['Messaging'])

    const reset = await bob.post(
      `${bob.self}/people/alice@example.test/privacyRelationship/resetContactPrivacyRelationship`,
    )
    assert.equal(reset.status, 204)
    assert.deepEqual(eventsOf(await alice.events()), [PRESENCE, NOTE])
    assert.deepEqual(await view(), colleagues)
    assert.equal(
      (await bob.get(`${bob.self}/people/alice@example.test/privacyRelationship`)).json.relationshipLevel,
      'Colleagues',
    )
    const list = await bob.get(`${bob.self}/people/privacyRelationships`)
    assert.ok(list.json._embedded.myPrivacyRelationship.every((r: any) => r._links.contact.length === 0))
  })

  it('FriendsAndFamily sees everything; POST is accepted like PUT; an unchanged level is silent', async () => {
    const { alice, bob, view } = await scene(t)
    const href = `${bob.self}/people/alice@example.test/privacyRelationship`
    assert.equal((await bob.post(href, { RelationshipLevel: 'friendsandfamily' })).status, 204)
    assert.deepEqual(eventsOf(await alice.events()), [LOCATION])
    const close = await view()
    assert.equal(close.presence.activity, 'off-work')
    assert.equal(close.note.message, 'Heads down')
    assert.equal(close.location.location, 'Building 7')
    assert.equal((await bob.post(href, { relationshipLevel: 'FriendsAndFamily' })).status, 204)
    assert.deepEqual((await alice.events()).sender, [])
  })

  it('tells every application of the owner that the relationship changed', async () => {
    const bob = await signedInApp(t, 'bob')
    const watching = await bob.post(`${bob.self}/people/presenceSubscriptions`, {
      uris: ['alice@example.test'],
    })
    assert.equal(watching.status, 201)
    await bob.events()
    const carol = await signedInApp(t, 'carol')
    await carol.post(`${carol.self}/people/presenceSubscriptions`, { uris: ['bob@example.test'] })
    await carol.events()
    const href = `${bob.self}/people/alice@example.test/privacyRelationship`
    assert.equal(
      (await bob.send('PUT', href, JSON.stringify({ relationshipLevel: 'Workgroup' }))).status,
      204,
    )
    const batch = await bob.events()
    assert.deepEqual(eventsOf(batch), ['people:contactPrivacyRelationship:updated'])
    assert.deepEqual(batch.sender[0].events[0].link, { rel: 'contactPrivacyRelationship', href })
    assert.deepEqual(batch.sender[0].events[0].in, {
      rel: 'myPrivacyRelationships',
      href: `${bob.self}/people/privacyRelationships`,
    })
    // Carol watches bob but is not the contact whose level changed.
    assert.deepEqual((await carol.events()).sender, [])
  })

  it('honours If-Match and refuses bad input, changing nothing', async () => {
    const { alice, bob, bobSets } = await scene(t)
    const href = `${bob.self}/people/alice@example.test/privacyRelationship`
    const etag = (await bob.get(href)).headers.get('etag') ?? ''
    const stale = await bob.send('PUT', href, JSON.stringify({ relationshipLevel: 'Blocked' }), {
      'if-match': '"12345"',
    })
    assert.equal(stale.status, 412)
    const current = await bob.send('PUT', href, JSON.stringify({ relationshipLevel: 'Workgroup' }), {
      'if-match': etag,
    })
    assert.equal(current.status, 204)
    assert.notEqual(current.headers.get('etag'), etag)
    await alice.events()

    for (const body of [
      '{"relationshipLevel":',
      '{}',
      '{"relationshipLevel":3}',
      '{"relationshipLevel":"Unknown"}',
    ]) {
      const res = await bob.send('PUT', href, body)
      assert.equal(res.status, 400, body)
      assert.equal(res.json.code, 'BadRequest')
    }
    assert.equal(
      (
        await bob.send(
          'PUT',
          `${bob.self}/people/nobody@example.test/privacyRelationship`,
          '{"relationshipLevel":"Blocked"}',
        )
      ).status,
      404,
    )
    assert.equal(
      (
        await bob.post(
          `${bob.self}/people/nobody@example.test/privacyRelationship/resetContactPrivacyRelationship`,
        )
      ).status,
      404,
    )
    const self = await bob.send(
      'PUT',
      `${bob.self}/people/bob@example.test/privacyRelationship`,
      '{"relationshipLevel":"Blocked"}',
    )
    assert.equal(self.status, 403)
    assert.equal((await bob.get(`${bob.self}/people/privacyRelationships/Unknown`)).status, 404)

    assert.equal((await bob.get(href)).json.relationshipLevel, 'Workgroup')
    assert.deepEqual((await alice.events()).sender, [])
    assert.ok(bobSets)
  })
})
