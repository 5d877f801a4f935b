// makeMeAvailable, the user's own presence, note and location, and aggregation over endpoints.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { LIMITS } from '../../src/http/limits.ts'
import { PASSWORDS, signIn, startTestServer, type TestServer } from '../helpers/server.ts'
import { ADDRESS, HOME, openApp, type UserName } from '../helpers/ucwa-client.ts'

const MIN = 60_000

/** An application under `user`'s `token`, with paths relative to it (`''` is the application). */
async function endpoint(
  t: TestServer,
  user: UserName,
  token: string,
  endpointId: string,
  extra: Record<string, string> = {},
) {
  const app = await openApp(t, user, token, endpointId, extra)
  return {
    self: app.self,
    get: (path: string) => app.get(`${app.self}${path}`),
    post: (path: string, body?: unknown) => app.post(`${app.self}${path}`, body),
    del: (path: string) => app.del(`${app.self}${path}`),
  }
}

const availability = async (e: { get(path: string): Promise<{ json: any }> }) =>
  (await e.get('/me/presence')).json

describe('own presence', () => {
  let t: TestServer
  let token: string
  before(async () => {
    t = await startTestServer()
    token = await signIn(t.internal, HOME.alice, ADDRESS.alice, PASSWORDS.alice)
  })
  after(() => t.stop())

  it('makeMeAvailable swaps the me links and is required before presence, note, location and activity', async () => {
    const e = await endpoint(t, 'alice', token, 'links')
    const lurker = (await e.get('/me')).json._links
    assert.ok(lurker.makeMeAvailable)
    assert.equal(lurker.presence, undefined)
    for (const path of ['/me/presence', '/me/note', '/me/location']) {
      const res = await e.get(path)
      assert.equal(res.status, 409, path)
      assert.equal(res.json.subcode, 'MakeMeAvailableRequired')
    }
    assert.equal((await e.post('/me/reportMyActivity')).status, 409)
    assert.equal((await e.post('/me/presence', { availability: 'Busy' })).status, 409)

    assert.equal(
      (
        await e.post('/me/makeMeAvailable', {
          SupportedModalities: ['Messaging'],
          supportedMessageFormats: ['Plain', 'Html'],
        })
      ).status,
      204,
    )
    const me = (await e.get('/me')).json._links
    assert.equal(me.makeMeAvailable, undefined)
    assert.equal(me.presence.href, `${e.self}/me/presence`)
    assert.equal(me.note.href, `${e.self}/me/note`)
    assert.equal(me.location.href, `${e.self}/me/location`)
    assert.equal(me.reportMyActivity.href, `${e.self}/me/reportMyActivity`)
    const app = (await e.get('')).json
    assert.equal(app._embedded.me._links.makeMeAvailable, undefined)
    assert.deepEqual(app._embedded.communication.supportedMessageFormats, ['Plain', 'Html'])
    // The aliases clients build themselves.
    assert.equal((await e.post('/reportMyActivity')).status, 204)
    assert.equal((await e.post('/communication/makeMeAvailable', {})).status, 204)
  })

  it('sets and resets availability with every PreferredAvailability value', async () => {
    const e = await endpoint(t, 'alice', token, 'availability')
    await e.post('/me/makeMeAvailable', {})
    assert.deepEqual(await availability(e), {
      availability: 'Online',
      rel: 'presence',
      _links: { self: { href: `${e.self}/me/presence` } },
    })
    const expected: Record<string, [string, string | undefined]> = {
      Busy: ['Busy', undefined],
      DoNotDisturb: ['DoNotDisturb', undefined],
      BeRightBack: ['BeRightBack', undefined],
      Away: ['Away', undefined],
      Offwork: ['Away', 'off-work'],
      Online: ['Online', undefined],
    }
    for (const [asked, [shown, activity]] of Object.entries(expected)) {
      assert.equal((await e.post('/me/presence', { Availability: asked })).status, 204)
      const p = await availability(e)
      assert.equal(p.availability, shown, asked)
      assert.equal(p.activity, activity, asked)
    }
    await e.post('/me/presence', { availability: 'DoNotDisturb' })
    assert.equal((await e.post('/me/presence')).status, 204)
    assert.equal((await availability(e)).availability, 'Online', 'an empty body resets to automatic')
    const bad = await e.post('/me/presence', { availability: 'Sleeping' })
    assert.equal(bad.status, 400)
    assert.equal((await availability(e)).availability, 'Online')
  })

  it('keeps a personal note, shows the out-of-office note instead when set, and a location', async () => {
    const e = await endpoint(t, 'alice', token, 'note')
    await e.post('/me/makeMeAvailable', {})
    assert.equal((await e.post('/me/note', { message: 'Writing docs' })).status, 204)
    assert.deepEqual((await e.get('/me/note')).json, {
      message: 'Writing docs',
      type: 'Personal',
      rel: 'note',
      _links: { self: { href: `${e.self}/me/note` } },
    })
    const alice = await t.server.users.get('alice@example.test')
    await t.server.users.update(alice.sipUri, { outOfOfficeNote: 'On leave until Monday' })
    assert.deepEqual((await e.get('/me/note')).json.type, 'OutOfOffice')
    await t.server.users.update(alice.sipUri, { outOfOfficeNote: null })
    // ?message= works too, and a blank note clears it.
    assert.equal((await e.post('/me/note?message=via%20query')).status, 204)
    assert.equal((await e.get('/me/note')).json.message, 'via query')
    await e.post('/me/note', { message: '  ' })
    assert.equal((await e.get('/me/note')).json.message, '')

    assert.equal((await e.post('/me/location', { location: 'Building 7' })).status, 204)
    assert.equal((await e.get('/me/location')).json.location, 'Building 7')
    const long = await e.post('/me/location', { location: 'x'.repeat(LIMITS.location + 1) })
    assert.equal(long.status, 400)
    assert.equal((await e.get('/me/location')).json.location, 'Building 7')
  })
})

describe('presence across a user’s endpoints', () => {
  it('aggregates a browser and a phone the way Lync does, and goes Offline without endpoints', async () => {
    const t = await startTestServer()
    try {
      const token = await signIn(t.internal, HOME.bob, ADDRESS.bob, PASSWORDS.bob)
      const web = await endpoint(t, 'bob', token, 'web')
      const phone = await endpoint(t, 'bob', token, 'phone', { Type: 'Phone' })
      await web.post('/me/makeMeAvailable', {})
      await phone.post('/me/makeMeAvailable', {})
      assert.equal((await availability(web)).availability, 'Online')

      // Both idle for 6 minutes: IdleOnline; the phone reports activity: Online again, from the phone.
      t.clock.advance(6 * MIN)
      await t.server.presence.tick()
      assert.equal((await availability(web)).availability, 'IdleOnline')
      await phone.post('/me/reportMyActivity')
      assert.equal((await availability(web)).availability, 'Online')
      const record = await t.server.store.presence.get((await t.server.users.get('bob@example.test')).id)
      assert.equal(record?.deviceType, 'Mobile')

      // An explicit Busy wins; with every endpoint idle it shows IdleBusy; later Away does not
      // override an explicit choice.
      await web.post('/me/presence', { availability: 'Busy' })
      assert.equal((await availability(web)).availability, 'Busy')
      t.clock.advance(6 * MIN)
      await t.server.presence.tick()
      assert.equal((await availability(phone)).availability, 'IdleBusy')
      await web.post('/me/presence', {})
      t.clock.advance(10 * MIN)
      await t.server.presence.tick()
      assert.equal((await availability(phone)).availability, 'Away')

      // The browser application expires (its last request was 16 min ago); the phone (1 day)
      // keeps bob present.
      await phone.post('/me/reportMyActivity')
      t.clock.advance(6 * MIN)
      await t.server.presence.tick()
      assert.equal((await web.get('/me/presence')).status, 410)
      assert.equal((await availability(phone)).availability, 'IdleOnline')

      // Deleting the last endpoint makes bob Offline at once.
      await phone.del('')
      const after = await t.server.store.presence.get((await t.server.users.get('bob@example.test')).id)
      assert.equal(after?.availability, 'Offline')
    } finally {
      await t.stop()
    }
  })
})
