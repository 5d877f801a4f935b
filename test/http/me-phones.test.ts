// The `me` children every client reads right after sign-in — me/phones, me/callForwardingSettings
// and its three children — and the hub links that used to answer 404: the onlineMeetings hub and
// people/contactsAndGroupsSubscription (docs/me.md, docs/contacts.md).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { available, type Client, signedInApp } from '../helpers/ucwa-client.ts'

describe('me/phones', () => {
  let t: TestServer
  let alice: Client
  let bob: Client
  before(async () => {
    t = await startTestServer()
    alice = await signedInApp(t, 'alice')
    bob = await signedInApp(t, 'bob')
  })
  after(() => t.stop())

  it('lists all four lines from the directory, in the real shape, before makeMeAvailable too', async () => {
    const phones = alice.created.json._embedded.me._links.phones.href
    assert.equal(phones, `${alice.self}/me/phones`)
    const res = await alice.get(phones)
    assert.equal(res.status, 200, res.text)
    assert.equal(res.json.rel, 'phones')
    assert.deepEqual(res.json._links, { self: { href: phones } })
    const lines = res.json._embedded.phone as any[]
    assert.deepEqual(
      lines.map((p) => [p.type, p.number, p.includeInContactCard]),
      [
        ['work', 'tel:+14255550101', true],
        ['mobile', 'tel:+14255550201', false],
        ['home', '', false],
        ['other', '', false],
      ],
    )
    for (const line of lines) {
      assert.equal(line.rel, 'phone')
      assert.match(line.etag, /^\d+$/)
      // Directory numbers: no changeNumber / changeVisibility (as Lync for AD numbers).
      assert.deepEqual(line._links, { self: { href: `${phones}/${line.type}` } })
    }
  })

  it('serves each line at its self href, with its ETag', async () => {
    for (const type of ['work', 'mobile', 'home', 'other']) {
      const res = await alice.get(`${alice.self}/me/phones/${type}`)
      assert.equal(res.status, 200, `${type}: ${res.text}`)
      assert.equal(res.json.type, type)
      assert.equal(res.headers.get('etag'), `"${res.json.etag}"`)
    }
    // Any casing names the same line; its href stays lower-case.
    const upper = await alice.get(`${alice.self}/me/phones/Mobile`)
    assert.equal(upper.json._links.self.href, `${alice.self}/me/phones/mobile`)
    const unknown = await alice.get(`${alice.self}/me/phones/fax`)
    assert.equal(unknown.status, 404)
    assert.equal(unknown.json.code, 'NotFound')
  })

  it('shows a user without numbers four empty lines, and is the caller’s own', async () => {
    const res = await bob.get(`${bob.self}/me/phones`)
    assert.deepEqual(
      res.json._embedded.phone.map((p: any) => [p.type, p.number]),
      [
        ['work', ''],
        ['mobile', ''],
        ['home', ''],
        ['other', ''],
      ],
    )
    // Bob cannot read alice's application.
    const theirs = await bob.get(`${alice.self}/me/phones`)
    assert.equal(theirs.status, 404)
  })

  it('renders XML too', async () => {
    const res = await alice.get(`${alice.self}/me/phones`, { accept: 'application/xml' })
    assert.equal(res.status, 200)
    assert.match(res.text, /<resource rel="phone" href="[^"]+\/me\/phones\/home">/)
    assert.match(res.text, /<property name="number"><\/property>/)
    assert.match(res.text, /<property name="includeInContactCard">True<\/property>/)
  })
})

describe('me/callForwardingSettings', () => {
  let t: TestServer
  let alice: Client
  before(async () => {
    t = await startTestServer()
    alice = await signedInApp(t, 'alice')
    await available(alice)
  })
  after(() => t.stop())

  it('shows forwarding off, its three children linked and embedded, and no actions', async () => {
    const href = alice.created.json._embedded.me._links.callForwardingSettings.href
    const base = `${alice.self}/me/callForwardingSettings`
    assert.equal(href, base)
    const res = await alice.get(href)
    assert.equal(res.status, 200, res.text)
    const { _embedded: embedded, ...settings } = res.json
    assert.deepEqual(settings, {
      activePeriod: 'Always',
      activeSetting: 'None',
      unansweredCallHandling: 'Disabled',
      rel: 'callForwardingSettings',
      _links: {
        self: { href: base },
        immediateForwardSettings: { href: `${base}/immediateForwardSettings` },
        simultaneousRingSettings: { href: `${base}/simultaneousRingSettings` },
        unansweredCallSettings: { href: `${base}/unansweredCallSettings` },
      },
    })
    const expected: Record<string, Record<string, unknown>> = {
      immediateForwardSettings: { target: 'None' },
      simultaneousRingSettings: { ringDelay: 5, target: 'None' },
      unansweredCallSettings: { ringDelay: 5, target: 'None' },
    }
    for (const [rel, properties] of Object.entries(expected)) {
      const resource = { ...properties, rel, _links: { self: { href: `${base}/${rel}` } } }
      assert.deepEqual(embedded[rel], resource)
      const child = await alice.get(`${base}/${rel}`)
      assert.equal(child.status, 200, `${rel}: ${child.text}`)
      assert.deepEqual(child.json, resource)
    }
  })
})

describe('hub links that answer', () => {
  let t: TestServer
  let alice: Client
  before(async () => {
    t = await startTestServer()
    alice = await signedInApp(t, 'alice')
  })
  after(() => t.stop())

  it('onlineMeetings links only to itself, communication to nothing about meetings', async () => {
    const { onlineMeetings, communication } = alice.created.json._embedded
    assert.deepEqual(onlineMeetings._links, { self: { href: `${alice.self}/onlineMeetings` } })
    assert.deepEqual((await alice.get(`${alice.self}/onlineMeetings`)).json._links, onlineMeetings._links)
    assert.ok(
      !('startOnlineMeeting' in communication._links) && !('joinOnlineMeeting' in communication._links),
    )
  })

  it('serves myContactsAndGroupsSubscription as always Connected; starting it answers 201', async () => {
    const href = alice.created.json._embedded.people._links.myContactsAndGroupsSubscription.href
    assert.equal(href, `${alice.self}/people/contactsAndGroupsSubscription`)
    const res = await alice.get(href)
    assert.equal(res.status, 200, res.text)
    const start = `${href}/startOrRefreshSubscriptionToContactsAndGroups`
    assert.deepEqual(res.json, {
      state: 'Connected',
      rel: 'myContactsAndGroupsSubscription',
      _links: { self: { href }, startOrRefreshSubscriptionToContactsAndGroups: { href: start } },
    })
    const started = await alice.post(`${start}?duration=30`)
    assert.equal(started.status, 201, started.text)
    assert.deepEqual(started.json, res.json)
    const bad = await alice.post(`${start}?duration=soon`)
    assert.equal(bad.status, 400)
    assert.equal(bad.json.subcode, 'ParameterValidationFailure')
  })
})
