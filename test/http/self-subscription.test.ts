// A user subscribed to their own presence (POST people/presenceSubscriptions with their own URI,
// how a client watches its own aggregate) gets every later change as contact events, like any
// other watcher: from any endpoint, to every application of the user holding such a subscription.
import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { available, availableAll, type Client, signedInApp, summary } from '../helpers/ucwa-client.ts'

const ALICE = 'alice@example.test'

async function subscribe(c: Client, uris: string[]): Promise<void> {
  const res = await c.post(`${c.self}/people/presenceSubscriptions`, { duration: 30, uris })
  assert.equal(res.status, 201, res.text)
}

const sorted = (batch: unknown): string[] => summary(batch).sort()

describe('a presence subscription to oneself', () => {
  let t: TestServer
  beforeEach(async () => {
    t = await startTestServer()
  })
  afterEach(() => t.stop())

  it('delivers changes made at another endpoint, aggregated over the endpoints; others see what they did', async () => {
    // aliceA watches herself without being a presence endpoint; aliceB is her only endpoint.
    const aliceA = await signedInApp(t, 'alice', 'alice-watching')
    await subscribe(aliceA, [`sip:${ALICE}`])
    assert.deepEqual(summary(await aliceA.events()), [
      'people:contact:added in subscribedContacts',
      'people:presenceSubscription:added',
      'people:contactPresence:updated in contact',
    ])
    const bob = await signedInApp(t, 'bob')
    await subscribe(bob, [ALICE])
    await bob.events()
    const contact = (c: Client, rel: string) => c.get(`${c.self}/people/${ALICE}/${rel}`)
    assert.equal((await contact(aliceA, 'presence')).json.availability, 'Offline')

    // Her first endpoint signs in: Offline → Online, for her own watcher as for bob.
    const aliceB = await signedInApp(t, 'alice', 'alice-phone')
    await available(aliceB)
    const online = [
      'people:contactPresence:updated in contact',
      'people:contactSupportedModalities:updated in contact',
    ]
    const first = await aliceA.events()
    assert.deepEqual(sorted(first), online)
    assert.equal(
      first.sender[0].events[0].link.href,
      `${aliceA.self}/people/${ALICE}/presence`,
      'the event names her contact presence under the watching application',
    )
    assert.deepEqual(sorted(await bob.events()), online)
    assert.equal((await contact(aliceA, 'presence')).json.availability, 'Online')

    // A note from the other endpoint: both watchers hear it.
    assert.equal((await aliceB.post(`${aliceB.self}/me/note`, { message: 'Heads down' })).status, 204)
    assert.deepEqual(summary(await aliceA.events()), ['people:contactNote:updated in contact'])
    assert.deepEqual(summary(await bob.events()), ['people:contactNote:updated in contact'])
    assert.equal((await contact(aliceA, 'note')).json.message, 'Heads down')

    // A location: she sees all of her own presence; bob, a Colleague, does not see locations.
    assert.equal((await aliceB.post(`${aliceB.self}/me/location`, { location: 'Building 7' })).status, 204)
    assert.deepEqual(summary(await aliceA.events()), ['people:contactLocation:updated in contact'])
    assert.equal((await contact(aliceA, 'location')).json.location, 'Building 7')
    assert.deepEqual((await bob.events()).sender, [])
    assert.ok(!(await contact(bob, 'location')).json.location, 'bob sees no location')

    // Her only endpoint signs out: Online → Offline, again for both.
    assert.equal((await aliceB.del(aliceB.self)).status, 204)
    assert.deepEqual(sorted(await aliceA.events()), online)
    assert.deepEqual(sorted(await bob.events()), online)
    assert.equal((await contact(aliceA, 'presence')).json.availability, 'Offline')
  })

  it('reaches every application of the user holding one, including the one that made the change', async () => {
    const aliceA = await signedInApp(t, 'alice', 'alice-desk')
    const aliceB = await signedInApp(t, 'alice', 'alice-web')
    const carol = await signedInApp(t, 'carol')
    await availableAll(aliceA, aliceB)
    await subscribe(aliceA, [ALICE])
    await subscribe(aliceB, [ALICE])
    await aliceA.events()
    await aliceB.events()
    await carol.events()

    // From aliceA itself: her `me` resources and her contact presence changed, for both apps.
    assert.equal((await aliceA.post(`${aliceA.self}/me/presence`, { availability: 'Busy' })).status, 204)
    const busy = ['me:presence:updated', 'people:contactPresence:updated in contact']
    assert.deepEqual(sorted(await aliceA.events()), busy)
    assert.deepEqual(sorted(await aliceB.events()), busy)
    assert.equal((await aliceB.get(`${aliceB.self}/people/${ALICE}/presence`)).json.availability, 'Busy')

    // From aliceB: the note and the location, both apps again.
    await aliceB.post(`${aliceB.self}/me/note`, { message: 'Back at 3' })
    await aliceB.post(`${aliceB.self}/me/location`, { location: 'Dublin' })
    const noteAndLocation = [
      'me:location:updated',
      'me:note:updated',
      'people:contactLocation:updated in contact',
      'people:contactNote:updated in contact',
    ]
    assert.deepEqual(sorted(await aliceA.events()), noteAndLocation)
    assert.deepEqual(sorted(await aliceB.events()), noteAndLocation)

    // Nobody else subscribed: carol hears nothing.
    assert.deepEqual((await carol.events()).sender, [])
  })

  it('stops once the subscription is deleted', async () => {
    const aliceA = await signedInApp(t, 'alice', 'alice-desk')
    const aliceB = await signedInApp(t, 'alice', 'alice-web')
    await available(aliceB)
    await subscribe(aliceA, [ALICE])
    const list = await aliceA.get(`${aliceA.self}/people/presenceSubscriptions`)
    const id: string = list.json._embedded.presenceSubscription[0].id
    assert.equal((await aliceA.del(`${aliceA.self}/people/presenceSubscriptions/${id}`)).status, 204)
    await aliceA.events()
    await aliceB.events()

    await aliceB.post(`${aliceB.self}/me/note`, { message: 'Unwatched' })
    assert.deepEqual((await aliceA.events()).sender, [])
  })
})
