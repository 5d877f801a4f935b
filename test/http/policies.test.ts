// Policy enforcement over real HTTP (docs/policies.md): EnableMobility and Internal exposure at
// application creation, the policies resource, Audio/Video and Call via Work, and a live policy
// change reaching signed-in applications as events, without signing in again.
import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { LONG_HOLD, parked as waiting } from '../helpers/pget.ts'
import { createApplication, PASSWORDS, signIn, startTestServer, type TestServer } from '../helpers/server.ts'
import { ADDRESS, available, type Client, eventsOf, HOME, signedInApp } from '../helpers/ucwa-client.ts'

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148'
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0.0.0 Safari/537.36'
const EXTERNAL_HOST = 'webext01.example.test'

let t: TestServer
beforeEach(async () => {
  t = await startTestServer()
})
afterEach(() => t.stop())

const admin = 'test-admin'
const app = (userAgent: string, endpointId: string, extra: Record<string, unknown> = {}) => ({
  UserAgent: userAgent,
  EndpointId: endpointId,
  Culture: 'en-US',
  ...extra,
})
const token = (user: 'alice' | 'bob' | 'carol') =>
  signIn(t.internal, HOME[user], ADDRESS[user], PASSWORDS[user])
const policiesOf = async (c: Client) => {
  const res = await c.get(`${c.self}/policies`)
  assert.equal(res.status, 200, res.text)
  return res.json
}

describe('EnableMobility', () => {
  it('off: a mobile client gets 403 UserAgentNotAllowed, a browser signs in, other sites are untouched', async () => {
    await t.server.policies.create('mobility-policy', 'Site:Redmond', { EnableMobility: false }, admin)
    const alice = await token('alice')
    const phone = await createApplication(t.internal, HOME.alice, alice, app(IPHONE, 'phone'))
    assert.equal(phone.status, 403, phone.text)
    assert.equal(phone.json.code, 'Forbidden')
    assert.equal(phone.json.subcode, 'UserAgentNotAllowed')
    assert.match(phone.json.message, /EnableMobility/)
    // A client that declares itself a phone is refused whatever its UserAgent.
    const declared = await createApplication(
      t.internal,
      HOME.alice,
      alice,
      app('MyApp/1.0', 'tablet', { type: 'Tablet' }),
    )
    assert.equal(declared.status, 403)
    const browser = await createApplication(t.internal, HOME.alice, alice, app(CHROME, 'browser'))
    assert.equal(browser.status, 201, browser.text)
    // carol is homed in Dublin: Global applies to her.
    const carol = await createApplication(t.internal, HOME.carol, await token('carol'), app(IPHONE, 'phone'))
    assert.equal(carol.status, 201, carol.text)
  })

  it('a per-user grant overrides the site: the granted user may use mobile, the others may not', async () => {
    await t.server.policies.create('mobility-policy', 'Site:Redmond', { EnableMobility: false }, admin)
    await t.server.policies.create('mobility-policy', 'Tag:Mobile', {}, admin)
    await t.server.policies.grant(ADDRESS.bob, 'Mobile', admin)
    const bob = await createApplication(t.internal, HOME.bob, await token('bob'), app(IPHONE, 'phone'))
    assert.equal(bob.status, 201, bob.text)
    const alice = await createApplication(t.internal, HOME.alice, await token('alice'), app(IPHONE, 'phone'))
    assert.equal(alice.status, 403)
    // Unassigned again, bob falls back to the site policy.
    await t.server.policies.grant(ADDRESS.bob, null, admin)
    const again = await createApplication(t.internal, HOME.bob, await token('bob'), app(IPHONE, 'phone-2'))
    assert.equal(again.status, 403)
  })
})

describe('EnableMobility turned off while signed in', () => {
  it("ends the user's phone applications (410, then 403 on signing in again); browsers stay", async () => {
    const phone = await signedInApp(t, 'alice', 'alice-phone', { UserAgent: IPHONE })
    const web = await signedInApp(t, 'alice', 'alice-web', { UserAgent: CHROME })
    await web.events()
    await t.server.policies.create('mobility-policy', 'Site:Redmond', { EnableMobility: false }, admin)
    const gone = await phone.get(phone.self)
    assert.equal(gone.status, 410, gone.text)
    assert.equal(gone.json.subcode, 'InactiveApplicationExpired')
    const again = await createApplication(t.internal, HOME.alice, phone.token, app(IPHONE, 'alice-phone'))
    assert.equal(again.status, 403)
    assert.equal(again.json.subcode, 'UserAgentNotAllowed')
    assert.equal((await web.get(web.self)).status, 200)
    assert.deepEqual(eventsOf(await web.events()), ['application:policies:updated'])
  })
})

describe('Mcx ExposedWebURL', () => {
  it('Internal: a mobile client on an external listener is refused with a clear error; inside it works', async () => {
    await t.server.policies.create('mcx-config', 'Site:Redmond', { ExposedWebURL: 'Internal' }, admin)
    const alice = await token('alice')
    const outside = await createApplication(t.external, EXTERNAL_HOST, alice, app(IPHONE, 'phone'))
    assert.equal(outside.status, 403, outside.text)
    assert.equal(outside.json.subcode, 'UserAgentNotAllowed')
    assert.match(outside.json.message, /internal network/)
    const inside = await createApplication(t.internal, HOME.alice, alice, app(IPHONE, 'phone'))
    assert.equal(inside.status, 201, inside.text)
    // Browsers are not mobility clients.
    const browser = await createApplication(t.external, EXTERNAL_HOST, alice, app(CHROME, 'browser'))
    assert.equal(browser.status, 201, browser.text)
  })

  it('a web-server setting wins over the site: External on the pool lets phones in from outside', async () => {
    await t.server.policies.create('mcx-config', 'Site:Redmond', { ExposedWebURL: 'Internal' }, admin)
    await t.server.policies.create('mcx-config', 'Service:WebServer:pool01.example.test', {}, admin)
    const outside = await createApplication(
      t.external,
      EXTERNAL_HOST,
      await token('alice'),
      app(IPHONE, 'phone'),
    )
    assert.equal(outside.status, 201, outside.text)
  })
})

describe('the policies resource', () => {
  it('shows the effective policy: the Wi-Fi flags and the IM history allowance', async () => {
    const bob = await signedInApp(t, 'bob')
    const before = await policiesOf(bob)
    assert.equal(before.audioOnlyOnWifi, 'Disabled')
    assert.equal(before.saveMessagingHistory, 'Enabled')
    await t.server.policies.create(
      'mobility-policy',
      'Tag:WifiOnly',
      {
        RequireWiFiForIPAudio: true,
        RequireWIFIForIPVideo: true,
        RequireWiFiForSharing: true,
        AllowSaveIMHistory: false,
      },
      admin,
    )
    await t.server.policies.grant(ADDRESS.bob, 'WifiOnly', admin)
    const after = await policiesOf(bob)
    assert.equal(after.audioOnlyOnWifi, 'Enabled')
    assert.equal(after.videoOnlyOnWifi, 'Enabled')
    assert.equal(after.sharingOnlyOnWifi, 'Enabled')
    assert.equal(after.saveMessagingHistory, 'Disabled')
    assert.equal(after.rel, 'policies')
  })

  it('a change reaches every signed-in application of the affected users as a policies event', async () => {
    const alicePhone = await signedInApp(t, 'alice', 'alice-phone', { UserAgent: IPHONE })
    const aliceWeb = await signedInApp(t, 'alice', 'alice-web')
    const carol = await signedInApp(t, 'carol')
    for (const c of [alicePhone, aliceWeb, carol]) await c.events()
    // A parked P-GET is released by the change, without signing in again (held longer than the
    // test may run: only the change can release it).
    const parked = alicePhone.events(LONG_HOLD)
    await waiting(t, alicePhone.self)
    await t.server.policies.create('mobility-policy', 'Site:Redmond', { RequireWiFiForIPVideo: true }, admin)
    assert.deepEqual(eventsOf(await parked), ['application:policies:updated'])
    assert.deepEqual(eventsOf(await aliceWeb.events()), ['application:policies:updated'])
    assert.equal((await policiesOf(alicePhone)).videoOnlyOnWifi, 'Enabled')
    // carol (Dublin) is not affected and hears nothing.
    assert.deepEqual(eventsOf(await carol.events()), [])
    // A change that leaves alice's effective policy as it was tells her nothing.
    await t.server.policies.set('mobility-policy', 'Site:Redmond', { RequireWIFIForIPVideo: true }, admin)
    assert.deepEqual(eventsOf(await aliceWeb.events()), [])
  })
})

describe('audio/video and Call via Work', () => {
  it('EnableIPAudioVideo off: Audio and Video are dropped from makeMeAvailable and invitations are refused', async () => {
    await t.server.policies.create('mobility-policy', 'Tag:NoAv', { EnableIPAudioVideo: false }, admin)
    await t.server.policies.grant(ADDRESS.alice, 'NoAv', admin)
    const alice = await signedInApp(t, 'alice')
    await available(alice, { SupportedModalities: ['Messaging', 'Audio', 'Video', 'PhoneAudio'] })
    const communication = await alice.get(`${alice.self}/communication`)
    assert.deepEqual(communication.json.supportedModalities, ['Messaging', 'PhoneAudio'])
    assert.equal(communication.json._links.startAudioVideo, undefined)
    const av = await alice.post(`${alice.self}/communication/audioVideoInvitations`, {
      to: 'sip:bob@example.test',
    })
    assert.equal(av.status, 403, av.text)
    assert.equal(av.json.subcode, 'ModalityNotSupported')
    assert.equal((await policiesOf(alice)).telephonyMode, 'PhoneAudio')
    // PUT communication cannot add them back either.
    const put = await alice.put(
      `${alice.self}/communication`,
      { ...communication.json, supportedModalities: ['Messaging', 'Video'] },
      { 'if-match': `"${communication.json.etag}"` },
    )
    assert.equal(put.status, 204, put.text)
    assert.deepEqual((await alice.get(`${alice.self}/communication`)).json.supportedModalities, ['Messaging'])
  })

  it('turning A/V off while signed in drops the modalities and tells the application', async () => {
    const alice = await signedInApp(t, 'alice')
    await available(alice, { SupportedModalities: ['Messaging', 'Audio', 'Video'] })
    await alice.events()
    await t.server.policies.set('mobility-policy', 'Global', { EnableIPAudioVideo: false }, admin)
    const events = eventsOf(await alice.events())
    assert.ok(events.includes('application:policies:updated'), events.join())
    assert.ok(events.includes('communication:communication:updated'), events.join())
    assert.deepEqual((await alice.get(`${alice.self}/communication`)).json.supportedModalities, ['Messaging'])
  })

  it('Call via Work needs EnableOutsideVoice and Enterprise Voice', async () => {
    const bob = await signedInApp(t, 'bob') // no Enterprise Voice
    await available(bob, { SupportedModalities: ['Messaging', 'PhoneAudio'] })
    assert.deepEqual((await bob.get(`${bob.self}/communication`)).json.supportedModalities, ['Messaging'])
    const refused = await bob.post(`${bob.self}/communication/phoneAudioInvitations`, {
      to: 'tel:+14255550100',
    })
    assert.equal(refused.status, 403, refused.text)
    assert.match(refused.json.message, /Call via Work/)
    const alice = await signedInApp(t, 'alice') // Enterprise Voice
    const allowed = await alice.post(`${alice.self}/communication/phoneAudioInvitations`, {
      to: 'tel:+14255550100',
    })
    assert.equal(allowed.status, 404, 'allowed, but Parley has no phone audio yet')
    await t.server.policies.set('mobility-policy', undefined, { EnableOutsideVoice: false }, admin)
    const off = await alice.post(`${alice.self}/communication/phoneAudioInvitations`, {
      to: 'tel:+14255550100',
    })
    assert.equal(off.status, 403, off.text)
    assert.equal(off.json.subcode, 'ModalityNotSupported')
  })

  it('the network-type extension: Wi-Fi-only audio refused from an application that reports cellular', async () => {
    await t.server.policies.set('mobility-policy', undefined, { RequireWiFiForIPAudio: true }, admin)
    const phone = await signedInApp(t, 'alice', 'alice-phone', { UserAgent: IPHONE })
    const link = phone.created.json._links.reportNetworkType.href
    assert.equal(link, `${phone.self}/reportNetworkType`)
    const invite = () =>
      phone.post(`${phone.self}/communication/audioVideoInvitations`, { to: 'sip:bob@example.test' })
    // A client that never reports is trusted to enforce audioOnlyOnWifi itself.
    assert.equal((await invite()).status, 404)
    assert.equal((await phone.post(link, { networkType: 'cellular' })).status, 204)
    const refused = await invite()
    assert.equal(refused.status, 403, refused.text)
    assert.equal(refused.json.subcode, 'ModalityNotSupported')
    assert.match(refused.json.message, /Wi-Fi/)
    assert.equal((await phone.post(link, { NetworkType: 'WiFi' })).status, 204)
    assert.equal((await invite()).status, 404, 'allowed on Wi-Fi (no media yet)')
    const bad = await phone.post(link, { networkType: 'carrier-pigeon' })
    assert.equal(bad.status, 400)
    assert.equal(bad.json.parameters[0].name, 'networkType')
  })
})
