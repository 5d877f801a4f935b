// The UCWA application resource over real HTTP (docs/protocol.md §3, §10.1-10.5, §12, §13):
// creation and its idempotency, the resource's shape in JSON and XML, both URL prefixes, GET /
// DELETE, the hub resources, PUT communication, isolation between users and pools, lifetime and
// the per-user cap.
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { XMLParser } from 'fast-xml-parser'
import {
  createApplication,
  type HttpResponse,
  PASSWORDS,
  request,
  signIn,
  startTestServer,
  type TestServer,
  toResponse,
} from '../helpers/server.ts'

const POOL1 = 'pool01.example.test'
const POOL2 = 'pool02.example.test'
const UCWA_NS = 'http://schemas.microsoft.com/rtc/2012/03/ucwa'
const PUT_VALUE = 'please pass this in a PUT request'
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE

interface Call {
  method?: string
  token?: string
  host?: string
  headers?: Record<string, string>
  body?: string
}

function call(t: TestServer, path: string, init: Call = {}): Promise<HttpResponse> {
  return request(t.internal, path, { host: POOL1, ...init })
}

function postJson(t: TestServer, path: string, token: string, body: unknown, headers = {}) {
  return call(t, path, {
    method: 'POST',
    token,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
}

function input(endpointId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { userAgent: 'Parley tests/1.0', endpointId, culture: 'en-US', ...extra }
}

/** The application path (`/ucwa/…/applications/{id}`) from a create/GET response. */
function selfOf(res: HttpResponse): string {
  const href = res.json?._links?.self?.href
  assert.equal(typeof href, 'string', `no self link in ${res.status} ${res.text}`)
  return href as string
}

const idOf = (appPath: string): string => appPath.slice(appPath.lastIndexOf('/') + 1)

function assertUcwaError(res: HttpResponse, status: number, code: string, subcode?: string): void {
  assert.equal(res.status, status, res.text)
  assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8')
  assert.equal(res.json?.code, code, res.text)
  assert.equal(res.json.subcode, subcode, res.text)
  assert.equal(typeof res.json.message, 'string')
}

/** Every `href` anywhere in a JSON document. */
function hrefsOf(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) hrefsOf(v, out)
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'href' && typeof v === 'string') out.push(v)
      else hrefsOf(v, out)
    }
  }
  return out
}

function assertHrefsUnder(doc: unknown, appPath: string): void {
  const hrefs = hrefsOf(doc)
  assert.ok(hrefs.length > 0)
  for (const href of hrefs) {
    assert.ok(href === appPath || href.startsWith(`${appPath}/`), `${href} is not under ${appPath}`)
    assert.ok(!/^[a-z][a-z0-9+.-]*:/i.test(href) && !href.startsWith('//'), `${href} is not relative`)
  }
}

const links = (hrefs: Record<string, string>) =>
  Object.fromEntries(Object.entries(hrefs).map(([rel, href]) => [rel, { href }]))

function peopleLinks(a: string) {
  const p = `${a}/people`
  return links({
    self: p,
    presenceSubscriptions: `${p}/presenceSubscriptions`,
    subscribedContacts: `${p}/subscribedContacts`,
    presenceSubscriptionMemberships: `${p}/presenceSubscriptionMemberships`,
    myGroups: `${p}/groups`,
    myGroupMemberships: `${p}/groupMemberships`,
    myContacts: `${p}/contacts`,
    myPrivacyRelationships: `${p}/privacyRelationships`,
    myContactsAndGroupsSubscription: `${p}/contactsAndGroupsSubscription`,
    search: `${p}/search`,
  })
}

// No meetings yet: the hub links only to itself (a Lync pool listed myOnlineMeetings,
// defaultValues, eligibleValues, customInvitation, policies and phoneDialInInformation).
function onlineMeetingsLinks(a: string) {
  return links({ self: `${a}/onlineMeetings` })
}

function communicationLinks(a: string) {
  const c = `${a}/communication`
  return links({
    self: c,
    conversations: `${c}/conversations?filter=active`,
    startMessaging: `${c}/messagingInvitations`,
    missedItems: `${c}/missedItems`,
    conversationLogs: `${c}/conversationLogs`,
  })
}

/** The GUID-named "please pass this in a PUT request" property of a PUT-able resource. */
function putGuidOf(resource: Record<string, unknown>): string {
  const names = Object.keys(resource).filter((k) => resource[k] === PUT_VALUE)
  assert.equal(names.length, 1, `expected one "${PUT_VALUE}" property in ${JSON.stringify(resource)}`)
  const name = names[0] as string
  assert.match(name, GUID)
  return name
}

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  isArray: (name) => ['resource', 'link', 'property', 'propertyList', 'item'].includes(name),
})

interface XmlResource {
  '@rel': string
  '@href': string
  '@xmlns'?: string
  link?: { '@rel': string; '@href': string }[]
  property?: { '@name': string; '#text'?: string }[]
  propertyList?: { '@name': string; item?: string[] }[]
  resource?: XmlResource[]
}

const xmlProps = (r: XmlResource) =>
  Object.fromEntries((r.property ?? []).map((p) => [p['@name'], p['#text']]))
const xmlLinks = (r: XmlResource) => Object.fromEntries((r.link ?? []).map((l) => [l['@rel'], l['@href']]))
const xmlLists = (r: XmlResource) =>
  Object.fromEntries((r.propertyList ?? []).map((l) => [l['@name'], l.item ?? []]))

function parseXmlResource(text: string): XmlResource {
  const doc = xml.parse(text) as { resource?: XmlResource[] }
  const root = doc.resource?.[0]
  assert.ok(root, `no <resource> root in ${text}`)
  return root
}

/** A request with a raw request-target (node's URL handling would rewrite `//ucwa/…`). */
function rawPost(t: TestServer, path: string, token: string, body: string): Promise<HttpResponse> {
  const base = new URL(t.internal)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        path,
        method: 'POST',
        headers: {
          host: POOL1,
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
        },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve(toResponse(res.statusCode ?? 0, res.headers, Buffer.concat(chunks))))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

describe('POST applications', () => {
  let t: TestServer
  let alice: string
  let bob: string
  let aliceId: string
  let bobId: string
  const appsOf = async (userId: string) => t.server.store.applications.listByUser(userId as never)

  before(async () => {
    // Room for the many applications this suite creates (the cap has its own suite below).
    t = await startTestServer({ extra: 'applications:\n  maxPerUser: 100\n' })
    alice = await signIn(t.internal, POOL1, 'alice@example.test', PASSWORDS.alice)
    bob = await signIn(t.internal, POOL1, 'bob@example.test', PASSWORDS.bob)
    aliceId = (await t.server.store.users.findBySipUri('sip:alice@example.test' as never))?.id ?? ''
    bobId = (await t.server.store.users.findBySipUri('sip:bob@example.test' as never))?.id ?? ''
    assert.ok(aliceId && bobId)
  })
  after(() => t.stop())

  it('answers 201 with the whole application resource, every href relative and under it', async () => {
    const res = await createApplication(t.internal, POOL1, alice, {
      UserAgent: 'UCWA Samples',
      EndpointId: 'a917c6f4-976c-4cf3-847d-cdfffa28ccdf',
      Culture: 'en-US',
    })
    assert.equal(res.status, 201, res.text)
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8')
    const app = res.json
    const a = selfOf(res)
    assert.match(a, /^\/ucwa\/oauth\/v1\/applications\/\d+$/)

    assert.equal(app.culture, 'en-US')
    assert.equal(app.userAgent, 'UCWA Samples')
    assert.equal(app.type, 'Browser')
    assert.equal(app.endpointId, 'a917c6f4-976c-4cf3-847d-cdfffa28ccdf')
    assert.equal(app.rel, 'application')
    assert.match(app.etag, /^\d+$/)
    assert.equal(res.headers.get('etag'), `"${app.etag}"`)

    // A browser app: 15 minutes from now, in the ASP.NET form with escaped slashes in the raw text.
    const expires = t.clock.now() + 15 * MINUTE
    assert.equal(app.expires, `/Date(${expires})/`)
    assert.ok(res.text.includes(`"expires":"\\/Date(${expires})\\/"`), res.text)

    assert.deepEqual(
      app._links,
      links({
        self: a,
        policies: `${a}/policies`,
        batch: `${a}/batch`,
        events: `${a}/events?ack=1`,
        reportNetworkType: `${a}/reportNetworkType`,
      }),
    )
    const events: string = app._links.events.href
    assert.ok(events.includes('?') && events.endsWith('ack=1'))

    const { me, people, onlineMeetings, communication } = app._embedded
    assert.deepEqual(Object.keys(app._embedded).sort(), ['communication', 'me', 'onlineMeetings', 'people'])
    assert.equal(me.rel, 'me')
    assert.equal(me.name, 'Alice Adams')
    assert.equal(me.uri, 'sip:alice@example.test')
    assert.deepEqual(me.emailAddresses, ['alice@example.test'])
    assert.equal(me.title, 'Engineer')
    assert.equal(me.department, 'Research')
    assert.equal(me.workPhoneNumber, 'tel:+14255550101')
    assert.deepEqual(
      me._links,
      links({
        self: `${a}/me`,
        makeMeAvailable: `${a}/me/makeMeAvailable`,
        callForwardingSettings: `${a}/me/callForwardingSettings`,
        phones: `${a}/me/phones`,
        photo: `${a}/photos/alice@example.test`,
      }),
    )
    assert.equal(people.rel, 'people')
    assert.deepEqual(people._links, peopleLinks(a))
    assert.equal(onlineMeetings.rel, 'onlineMeetings')
    assert.deepEqual(onlineMeetings._links, onlineMeetingsLinks(a))
    assert.equal(communication.rel, 'communication')
    assert.deepEqual(communication._links, communicationLinks(a))
    putGuidOf(communication)
    assert.match(communication.etag, /^\d+$/)
    assert.deepEqual(communication.supportedMessageFormats, ['Plain'])
    assert.deepEqual(communication.supportedModalities, [])

    assertHrefsUnder(app, a)
    assert.ok(!res.text.includes('http://') && !res.text.includes('https://'))
    const stored = await appsOf(aliceId)
    assert.deepEqual(
      stored.map((s) => s.id),
      [idOf(a)],
    )
  })

  it('renders a user without optional details with an empty emailAddresses and no title', async () => {
    const res = await postJson(t, '/ucwa/oauth/v1/applications', bob, input('bob-details'))
    assert.equal(res.status, 201, res.text)
    const me = res.json._embedded.me
    assert.equal(me.name, 'Bob Baker')
    assert.equal(me.uri, 'sip:bob@example.test')
    assert.deepEqual(me.emailAddresses, [])
    assert.ok(!('title' in me) && !('department' in me) && !('workPhoneNumber' in me))
    assert.equal(me._links.photo.href, `${selfOf(res)}/photos/bob@example.test`)
  })

  it('reads property names case-insensitively and ignores unknown properties', async () => {
    for (const [i, name] of ['UserAgent', 'userAgent', 'USERAGENT', 'useragent'].entries()) {
      const res = await postJson(t, '/ucwa/oauth/v1/applications', alice, {
        [name]: `agent ${name}`,
        [['EndpointId', 'endpointId', 'ENDPOINTID', 'endpointid'][i] as string]: `case-${i}`,
        [['Culture', 'culture', 'CULTURE', 'cUlTuRe'][i] as string]: 'nb-NO',
        telemetryId: '0c1d7f8e-telemetry',
        Instance: 'unrelated',
      })
      assert.equal(res.status, 201, `${name}: ${res.text}`)
      assert.equal(res.json.userAgent, `agent ${name}`)
      assert.equal(res.json.endpointId, `case-${i}`)
      assert.equal(res.json.culture, 'nb-NO')
      assert.ok(!('telemetryId' in res.json) && !res.text.includes('telemetry'))
    }
    const endpoints = (await appsOf(aliceId)).map((a) => a.endpointId)
    for (let i = 0; i < 4; i++) assert.ok(endpoints.includes(`case-${i}`))
  })

  it('echoes a declared type and instanceId', async () => {
    const res = await postJson(
      t,
      '/ucwa/oauth/v1/applications',
      alice,
      input('typed', { Type: 'Phone', InstanceId: 'tab-1' }),
    )
    assert.equal(res.status, 201, res.text)
    assert.equal(res.json.type, 'Phone')
    assert.equal(res.json.instanceId, 'tab-1')
    // A phone app lives a day, not 15 minutes.
    assert.equal(res.json.expires, `/Date(${t.clock.now() + DAY})/`)
  })

  it('accepts X-MS-RequiresMinResourceVersion 2 and 2.0 and refuses 3 with APIVersionNotSupported', async () => {
    for (const version of ['2', '2.0']) {
      const res = await postJson(t, '/ucwa/oauth/v1/applications', alice, input(`version-${version}`), {
        'x-ms-requiresminresourceversion': version,
      })
      assert.equal(res.status, 201, `${version}: ${res.text}`)
      const get = await call(t, selfOf(res), {
        token: alice,
        headers: { 'x-ms-requiresminresourceversion': version },
      })
      assert.equal(get.status, 200)
    }
    const before = await appsOf(aliceId)
    const refused = await postJson(t, '/ucwa/oauth/v1/applications', alice, input('version-3'), {
      'x-ms-requiresminresourceversion': '3',
    })
    assertUcwaError(refused, 404, 'NotFound', 'APIVersionNotSupported')
    assert.deepEqual(await appsOf(aliceId), before)
    const existing = before[0]?.id ?? ''
    const get = await call(t, `/ucwa/oauth/v1/applications/${existing}`, {
      token: alice,
      headers: { 'x-ms-requiresminresourceversion': '3' },
    })
    assertUcwaError(get, 404, 'NotFound', 'APIVersionNotSupported')
  })

  it('gives the same user and endpointId the same application back with 200', async () => {
    const first = await postJson(t, '/ucwa/oauth/v1/applications', alice, input('same-endpoint'))
    assert.equal(first.status, 201)
    const count = (await appsOf(aliceId)).length
    const again = await postJson(t, '/ucwa/oauth/v1/applications', alice, {
      UserAgent: 'Parley tests/2.0',
      EndpointId: 'same-endpoint',
      Culture: 'de-DE',
    })
    assert.equal(again.status, 200, again.text)
    assert.equal(selfOf(again), selfOf(first))
    assert.equal(again.json.userAgent, 'Parley tests/2.0')
    assert.equal(again.json.culture, 'de-DE')
    assert.equal((await appsOf(aliceId)).length, count)
    // Its GUID property and links stay the same: clients keep using what they learnt.
    assert.deepEqual(again.json._links, first.json._links)
    assert.equal(putGuidOf(again.json._embedded.communication), putGuidOf(first.json._embedded.communication))
  })

  it('serialises concurrent re-POSTs of one endpointId into one application', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, () => postJson(t, '/ucwa/oauth/v1/applications', alice, input('racing'))),
    )
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 201])
    assert.equal(new Set(results.map(selfOf)).size, 1)
    assert.equal((await appsOf(aliceId)).filter((a) => a.endpointId === 'racing').length, 1)
  })

  it('gives another user with the same endpointId an application of their own', async () => {
    const mine = await postJson(t, '/ucwa/oauth/v1/applications', alice, input('shared-endpoint'))
    const theirs = await postJson(t, '/ucwa/oauth/v1/applications', bob, input('shared-endpoint'))
    assert.equal(mine.status, 201)
    assert.equal(theirs.status, 201)
    assert.notEqual(selfOf(mine), selfOf(theirs))
    assert.equal(theirs.json._embedded.me.uri, 'sip:bob@example.test')
    assert.ok((await appsOf(bobId)).some((a) => a.id === idOf(selfOf(theirs))))
    assert.ok(!(await appsOf(aliceId)).some((a) => a.id === idOf(selfOf(theirs))))
  })

  for (const contentType of ['application/xml', 'application/vnd.microsoft.com.ucwa+xml']) {
    it(`reads the XML <input> form (${contentType})`, async () => {
      const endpointId = `xml-${contentType}`
      const res = await call(t, '/ucwa/oauth/v1/applications', {
        method: 'POST',
        token: alice,
        headers: { 'content-type': contentType },
        body:
          `<?xml version="1.0" encoding="utf-8"?><input xmlns="${UCWA_NS}">` +
          '<property name="UserAgent">Store app &amp; friends</property>' +
          `<property name="endpointId">${endpointId}</property>` +
          '<property name="culture">fr-FR</property>' +
          '<property name="telemetryId">ignored</property></input>',
      })
      assert.equal(res.status, 201, res.text)
      // No Accept: JSON, the default.
      assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8')
      assert.equal(res.json.userAgent, 'Store app & friends')
      assert.equal(res.json.endpointId, endpointId)
      assert.equal(res.json.culture, 'fr-FR')
    })
  }

  for (const accept of ['application/xml', 'application/vnd.microsoft.com.ucwa+xml']) {
    it(`answers in XML when Accept asks for ${accept}`, async () => {
      const res = await postJson(t, '/ucwa/oauth/v1/applications', alice, input(`xml-out-${accept}`), {
        accept,
      })
      assert.equal(res.status, 201, res.text)
      assert.equal(res.headers.get('content-type'), 'application/xml; charset=utf-8')
      assert.ok(res.text.startsWith('<?xml'))
      const root = parseXmlResource(res.text)
      const a = root['@href']
      assert.match(a, /^\/ucwa\/oauth\/v1\/applications\/\d+$/)
      assert.equal(root['@rel'], 'application')
      assert.equal(root['@xmlns'], UCWA_NS)
      assert.ok(res.text.includes(`<resource rel="application" href="${a}" xmlns="${UCWA_NS}">`))
      assert.deepEqual(xmlLinks(root), {
        policies: `${a}/policies`,
        batch: `${a}/batch`,
        events: `${a}/events?ack=1`,
        reportNetworkType: `${a}/reportNetworkType`,
      })
      const props = xmlProps(root)
      assert.equal(props.userAgent, 'Parley tests/1.0')
      assert.equal(props.endpointId, `xml-out-${accept}`)
      assert.equal(props.culture, 'en-US')
      assert.equal(props.type, 'Browser')
      assert.match(props.etag ?? '', /^\d+$/)
      assert.equal(res.headers.get('etag'), `"${props.etag}"`)
      // XML dates are ISO 8601 (§3.2); `rel` is the element's attribute, not a property.
      assert.equal(props.expires, new Date(t.clock.now() + 15 * MINUTE).toISOString())
      assert.ok(!('rel' in props))

      const nested = Object.fromEntries((root.resource ?? []).map((r) => [r['@rel'], r]))
      assert.deepEqual(Object.keys(nested).sort(), ['communication', 'me', 'onlineMeetings', 'people'])
      const me = nested.me as XmlResource
      assert.equal(me['@href'], `${a}/me`)
      assert.equal(xmlProps(me).name, 'Alice Adams')
      assert.equal(xmlProps(me).uri, 'sip:alice@example.test')
      assert.deepEqual(xmlLists(me).emailAddresses, ['alice@example.test'])
      assert.equal(xmlLinks(me).makeMeAvailable, `${a}/me/makeMeAvailable`)
      assert.equal(xmlLinks(me).photo, `${a}/photos/alice@example.test`)
      const comm = nested.communication as XmlResource
      const guid = Object.entries(xmlProps(comm)).find(([, v]) => v === PUT_VALUE)?.[0]
      assert.match(guid ?? '', GUID)
      assert.equal(xmlProps(comm).publishEndpointLocation, 'False')
      assert.deepEqual(xmlLists(comm).supportedMessageFormats, ['Plain'])
      assert.equal(xmlLinks(nested.people as XmlResource).myContacts, `${a}/people/contacts`)
    })
  }

  it('answers JSON when JSON comes first in Accept, or Accept is */*', async () => {
    const accepts = ['application/json, application/xml', '*/*', 'application/vnd.microsoft.com.ucwa+json']
    for (const [i, accept] of accepts.entries()) {
      const res = await postJson(t, '/ucwa/oauth/v1/applications', alice, input(`accept-${i}`), { accept })
      assert.equal(res.status, 201, `${accept}: ${res.text}`)
      assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8')
      assert.equal(res.json.rel, 'application')
    }
  })

  it('serves /ucwa/v1/applications too, with every href under /ucwa/v1', async () => {
    const res = await postJson(t, '/ucwa/v1/applications', alice, input('webticket-client'))
    assert.equal(res.status, 201, res.text)
    const a = selfOf(res)
    assert.match(a, /^\/ucwa\/v1\/applications\/\d+$/)
    assertHrefsUnder(res.json, a)
    assert.equal(res.json._links.events.href, `${a}/events?ack=1`)
    assert.ok(!res.text.includes('/oauth/'))

    for (const sub of ['', '/policies', '/people', '/onlineMeetings', '/communication']) {
      const get = await call(t, `${a}${sub}`, { token: alice })
      assert.equal(get.status, 200, `${sub}: ${get.text}`)
      assertHrefsUnder(get.json, a)
    }
    // The same application under the other prefix keeps that prefix's hrefs.
    const oauth = await call(t, `/ucwa/oauth/v1/applications/${idOf(a)}`, { token: alice })
    assert.equal(oauth.status, 200)
    assertHrefsUnder(oauth.json, `/ucwa/oauth/v1/applications/${idOf(a)}`)

    // WebTicket-style clients present the token as X-MS-WebTicket.
    const ticket = await call(t, a, { headers: { 'x-ms-webticket': alice } })
    assert.equal(ticket.status, 200, ticket.text)
    assertHrefsUnder(ticket.json, a)
  })

  it('keeps /ucwa/v1 hrefs when a client doubles or upper-cases the slashes and prefix', async () => {
    const doubled = await rawPost(t, '//ucwa/v1/applications', alice, JSON.stringify(input('doubled')))
    assert.equal(doubled.status, 201, doubled.text)
    assertHrefsUnder(doubled.json, `/ucwa/v1/applications/${idOf(selfOf(doubled))}`)
    const upper = await rawPost(t, '/UCWA/V1/Applications/', alice, JSON.stringify(input('upper')))
    assert.equal(upper.status, 201, upper.text)
    assertHrefsUnder(upper.json, `/ucwa/v1/applications/${idOf(selfOf(upper))}`)
  })

  it('refuses a user homed on another pool with 403 and creates nothing', async () => {
    const carol = await signIn(t.internal, POOL1, 'carol@other.test', PASSWORDS.carol)
    const carolId = (await t.server.store.users.findBySipUri('sip:carol@other.test' as never))?.id ?? ''
    const res = await createApplication(t.internal, POOL1, carol)
    assertUcwaError(res, 403, 'Forbidden', 'UserNotHomedHere')
    assert.deepEqual(await appsOf(carolId), [])
    // On her home pool, with that pool's token, she gets one.
    const home = await signIn(t.internal, POOL2, 'carol@other.test', PASSWORDS.carol)
    const created = await createApplication(t.internal, POOL2, home)
    assert.equal(created.status, 201, created.text)
    assert.equal((await appsOf(carolId)).length, 1)
    // A pool02 token does not open pool01.
    const wrongPool = await createApplication(t.internal, POOL1, home)
    assert.equal(wrongPool.status, 401)
  })

  it('sets the photo cookie, HttpOnly and scoped to the application photos path', async () => {
    const res = await postJson(t, '/ucwa/oauth/v1/applications', alice, input('photo-cookie'))
    assert.equal(res.status, 201)
    const a = selfOf(res)
    const cookie = res.headers.get('set-cookie') ?? ''
    assert.equal(cookie, `cwt_ucwa=${alice}; Path=${a}/photos; HttpOnly`)
    // Refreshed on GET, and under /ucwa/v1 scoped to that prefix.
    const get = await call(t, a, { token: alice })
    assert.equal(get.headers.get('set-cookie'), cookie)
    const v1 = await call(t, `/ucwa/v1/applications/${idOf(a)}`, { token: alice })
    assert.equal(
      v1.headers.get('set-cookie'),
      `cwt_ucwa=${alice}; Path=/ucwa/v1/applications/${idOf(a)}/photos; HttpOnly`,
    )
  })
})

describe('GET and DELETE application, hub resources', () => {
  let t: TestServer
  let alice: string
  let a: string
  let created: HttpResponse

  before(async () => {
    t = await startTestServer()
    alice = await signIn(t.internal, POOL1, 'alice@example.test', PASSWORDS.alice)
    created = await createApplication(t.internal, POOL1, alice)
    assert.equal(created.status, 201)
    a = selfOf(created)
  })
  after(() => t.stop())

  it('GET answers 200 with the same resource and a quoted ETag', async () => {
    const res = await call(t, a, { token: alice })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8')
    assert.deepEqual(res.json, created.json)
    assert.match(res.headers.get('etag') ?? '', /^"\d+"$/)
    assert.equal(res.headers.get('etag'), `"${res.json.etag}"`)
  })

  it('GET with a matching If-None-Match answers 304 without a body', async () => {
    const etag = created.headers.get('etag') ?? ''
    for (const value of [etag, etag.slice(1, -1), `W/${etag}`, `"0", ${etag}`]) {
      const res = await call(t, a, { token: alice, headers: { 'if-none-match': value } })
      assert.equal(res.status, 304, `If-None-Match: ${value}`)
      assert.equal(res.text, '')
      assert.equal(res.headers.get('etag'), etag)
    }
    const stale = await call(t, a, { token: alice, headers: { 'if-none-match': '"12345"' } })
    assert.equal(stale.status, 200)
    assert.equal(stale.json.rel, 'application')
  })

  it('GET policies answers the policy bag', async () => {
    const res = await call(t, `${a}/policies`, { token: alice })
    assert.equal(res.status, 200, res.text)
    assert.equal(res.json.rel, 'policies')
    assert.deepEqual(res.json._links, links({ self: `${a}/policies` }))
    for (const [name, value] of Object.entries(res.json)) {
      if (name === 'rel' || name === '_links') continue
      assert.ok(['string', 'number', 'boolean'].includes(typeof value), `${name} is ${typeof value}`)
    }
    for (const name of ['photos', 'emoticons', 'htmlMessaging', 'audioOnlyOnWifi', 'saveCredentials']) {
      assert.match(res.json[name], /^(Enabled|Disabled)$/, name)
    }
  })

  it('GET people and onlineMeetings answer their hub links', async () => {
    const people = await call(t, `${a}/people`, { token: alice })
    assert.equal(people.status, 200)
    assert.deepEqual(people.json, { rel: 'people', _links: peopleLinks(a) })
    const meetings = await call(t, `${a}/onlineMeetings`, { token: alice })
    assert.equal(meetings.status, 200)
    assert.deepEqual(meetings.json, { rel: 'onlineMeetings', _links: onlineMeetingsLinks(a) })
  })

  it('GET communication answers the PUT-able resource with its GUID property and ETag', async () => {
    const res = await call(t, `${a}/communication`, { token: alice })
    assert.equal(res.status, 200)
    assert.deepEqual(res.json, created.json._embedded.communication)
    assert.equal(res.headers.get('etag'), `"${res.json.etag}"`)
    assert.equal(putGuidOf(res.json), putGuidOf(created.json._embedded.communication))
    const again = await call(t, `${a}/communication`, {
      token: alice,
      headers: { 'if-none-match': res.headers.get('etag') ?? '' },
    })
    assert.equal(again.status, 304)
  })

  it('DELETE answers 204, then the application is gone (404 ApplicationNotFound)', async () => {
    const doomed = await postJson(t, '/ucwa/oauth/v1/applications', alice, input('doomed'))
    const path = selfOf(doomed)
    const del = await call(t, path, { method: 'DELETE', token: alice })
    assert.equal(del.status, 204)
    assert.equal(del.text, '')
    assert.equal(await t.server.store.applications.find(idOf(path) as never), undefined)
    for (const sub of ['', '/policies', '/people', '/onlineMeetings', '/communication']) {
      assertUcwaError(
        await call(t, `${path}${sub}`, { token: alice }),
        404,
        'NotFound',
        'ApplicationNotFound',
      )
    }
    assertUcwaError(
      await call(t, path, { method: 'DELETE', token: alice }),
      404,
      'NotFound',
      'ApplicationNotFound',
    )
    // The other application is untouched; the endpointId can be used again for a new one.
    assert.equal((await call(t, a, { token: alice })).status, 200)
    const reborn = await postJson(t, '/ucwa/oauth/v1/applications', alice, input('doomed'))
    assert.equal(reborn.status, 201)
    assert.notEqual(selfOf(reborn), path)
  })
})

describe('PUT communication', () => {
  let t: TestServer
  let alice: string
  let a: string

  before(async () => {
    t = await startTestServer()
    alice = await signIn(t.internal, POOL1, 'alice@example.test', PASSWORDS.alice)
    const created = await createApplication(t.internal, POOL1, alice)
    assert.equal(created.status, 201)
    a = selfOf(created)
  })
  after(() => t.stop())

  const getCommunication = async () => {
    const res = await call(t, `${a}/communication`, { token: alice })
    assert.equal(res.status, 200)
    return res
  }
  const put = (body: unknown, headers: Record<string, string>) =>
    call(t, `${a}/communication`, {
      method: 'PUT',
      token: alice,
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })

  it('refuses a PUT without If-Match with 428 and changes nothing', async () => {
    const before = await getCommunication()
    const res = await put({ ...before.json, audioPreference: 'PhoneAudio' }, {})
    assertUcwaError(res, 428, 'PreconditionRequired')
    assert.deepEqual((await getCommunication()).json, before.json)
  })

  it('refuses a stale If-Match with 412 and changes nothing', async () => {
    const before = await getCommunication()
    for (const ifMatch of ['"1"', '1', 'W/"2"', '"", ""']) {
      const res = await put({ ...before.json, audioPreference: 'PhoneAudio' }, { 'if-match': ifMatch })
      assertUcwaError(res, 412, 'PreconditionFailed')
    }
    assert.deepEqual((await getCommunication()).json, before.json)
  })

  it('refuses a PUT without the GUID property with 400 ParameterValidationFailure', async () => {
    const before = await getCommunication()
    const guid = putGuidOf(before.json)
    const { [guid]: _omitted, ...withoutGuid } = before.json
    const etag = before.headers.get('etag') ?? ''
    for (const body of [
      { ...withoutGuid, audioPreference: 'PhoneAudio' },
      { ...withoutGuid, [guid]: 'please pass me in a PUT request', audioPreference: 'PhoneAudio' },
    ]) {
      const res = await put(body, { 'if-match': etag })
      assertUcwaError(res, 400, 'BadRequest', 'ParameterValidationFailure')
      assert.deepEqual(
        res.json.parameters.map((p: { name: string }) => p.name),
        [guid],
      )
    }
    assert.deepEqual((await getCommunication()).json, before.json)
  })

  it('refuses invalid values with 400 naming them, and changes nothing', async () => {
    const before = await getCommunication()
    const res = await put(
      { ...before.json, audioPreference: 'CarrierPigeon', supportedModalities: 'Messaging' },
      { 'if-match': before.headers.get('etag') ?? '' },
    )
    assertUcwaError(res, 400, 'BadRequest', 'ParameterValidationFailure')
    assert.deepEqual(res.json.parameters.map((p: { name: string }) => p.name).sort(), [
      'audioPreference',
      'supportedModalities',
    ])
    assert.deepEqual((await getCommunication()).json, before.json)
  })

  it('accepts a quoted If-Match: 204, a new quoted ETag, and the change is visible', async () => {
    const app = (await call(t, a, { token: alice })).json
    const before = await getCommunication()
    const etag = before.headers.get('etag') ?? ''
    assert.match(etag, /^"\d+"$/)
    const res = await put(
      { ...before.json, audioPreference: 'PhoneAudio', supportedModalities: ['Messaging', 'Audio'] },
      { 'if-match': etag },
    )
    assert.equal(res.status, 204, res.text)
    assert.equal(res.text, '')
    const newEtag = res.headers.get('etag') ?? ''
    assert.match(newEtag, /^"\d+"$/)
    assert.notEqual(newEtag, etag)

    const after = await getCommunication()
    assert.equal(after.json.audioPreference, 'PhoneAudio')
    assert.deepEqual(after.json.supportedModalities, ['Messaging', 'Audio'])
    assert.equal(after.headers.get('etag'), newEtag)
    assert.equal(`"${after.json.etag}"`, newEtag)
    assert.equal(putGuidOf(after.json), putGuidOf(before.json))
    // The application embeds the new state; its own etag covers only its own properties.
    const appAfter = (await call(t, a, { token: alice })).json
    assert.deepEqual(appAfter._embedded.communication, after.json)
    assert.equal(appAfter.etag, app.etag)
    // The old ETag is stale now.
    assertUcwaError(await put(before.json, { 'if-match': etag }), 412, 'PreconditionFailed')
  })

  it('accepts an unquoted If-Match', async () => {
    const before = await getCommunication()
    const res = await put(
      { ...before.json, audioPreference: 'VoipAudio', conversationHistory: 'Enabled' },
      { 'if-match': before.json.etag },
    )
    assert.equal(res.status, 204, res.text)
    const after = await getCommunication()
    assert.equal(after.json.audioPreference, 'VoipAudio')
    assert.equal(after.json.conversationHistory, 'Enabled')
    assert.equal(after.headers.get('etag'), res.headers.get('etag'))
  })

  it('accepts the XML <input> form sent back as GET rendered it', async () => {
    const current = await call(t, `${a}/communication`, {
      token: alice,
      headers: { accept: 'application/xml' },
    })
    assert.equal(current.status, 200)
    const resource = parseXmlResource(current.text)
    const props = xmlProps(resource)
    const guid = Object.entries(props).find(([, v]) => v === PUT_VALUE)?.[0] ?? ''
    assert.match(guid, GUID)
    assert.equal(props.publishEndpointLocation, 'False')
    const body =
      `<input xmlns="${UCWA_NS}">` +
      `<property name="${guid}">${PUT_VALUE}</property>` +
      '<property name="audioPreference">PhoneAudio</property>' +
      `<property name="conversationHistory">${props.conversationHistory}</property>` +
      '<property name="publishEndpointLocation">True</property>' +
      '<propertyList name="supportedMessageFormats"><item>Plain</item><item>Html</item></propertyList>' +
      '<propertyList name="supportedModalities"><item>Messaging</item></propertyList>' +
      `<property name="videoBasedScreenSharing">${props.videoBasedScreenSharing}</property>` +
      '</input>'
    const res = await call(t, `${a}/communication`, {
      method: 'PUT',
      token: alice,
      headers: {
        'content-type': 'application/vnd.microsoft.com.ucwa+xml',
        'if-match': current.headers.get('etag') ?? '',
      },
      body,
    })
    assert.equal(res.status, 204, res.text)
    const after = (await getCommunication()).json
    assert.equal(after.audioPreference, 'PhoneAudio')
    assert.equal(after.publishEndpointLocation, true)
    assert.deepEqual(after.supportedMessageFormats, ['Plain', 'Html'])
    assert.deepEqual(after.supportedModalities, ['Messaging'])
  })
})

describe('another user’s application', () => {
  let t: TestServer
  let alice: string
  let bob: string
  let a: string

  before(async () => {
    t = await startTestServer()
    alice = await signIn(t.internal, POOL1, 'alice@example.test', PASSWORDS.alice)
    bob = await signIn(t.internal, POOL1, 'bob@example.test', PASSWORDS.bob)
    const created = await createApplication(t.internal, POOL1, alice)
    assert.equal(created.status, 201)
    a = selfOf(created)
    assert.equal((await createApplication(t.internal, POOL1, bob)).status, 201)
  })
  after(() => t.stop())

  it('answers bob exactly as if alice’s application did not exist, and changes nothing', async () => {
    const before = await t.server.store.applications.find(idOf(a) as never)
    const comm = await call(t, `${a}/communication`, { token: alice })
    const etag = comm.headers.get('etag') ?? ''
    const missing = await call(t, '/ucwa/oauth/v1/applications/1234567890', { token: bob })
    assertUcwaError(missing, 404, 'NotFound', 'ApplicationNotFound')

    const attempts: [string, Call][] = [
      [a, { token: bob }],
      [a, { token: bob, method: 'DELETE' }],
      [`${a}/policies`, { token: bob }],
      [`${a}/people`, { token: bob }],
      [`${a}/onlineMeetings`, { token: bob }],
      [`${a}/communication`, { token: bob }],
      [
        `${a}/communication`,
        {
          token: bob,
          method: 'PUT',
          headers: { 'content-type': 'application/json', 'if-match': etag },
          body: JSON.stringify({ ...comm.json, audioPreference: 'PhoneAudio' }),
        },
      ],
      [`/ucwa/v1/applications/${idOf(a)}`, { token: bob }],
      [`/ucwa/v1/applications/${idOf(a)}`, { token: bob, method: 'DELETE' }],
    ]
    for (const [path, init] of attempts) {
      const res = await call(t, path, init)
      assertUcwaError(res, 404, 'NotFound', 'ApplicationNotFound')
      assert.equal(res.text, missing.text, `${init.method ?? 'GET'} ${path}`)
      assert.ok(!res.text.includes('alice') && !res.text.includes('Alice'))
      assert.equal(res.headers.get('set-cookie'), null)
    }

    assert.deepEqual(await t.server.store.applications.find(idOf(a) as never), before)
    const still = await call(t, `${a}/communication`, { token: alice })
    assert.equal(still.status, 200)
    assert.equal(still.headers.get('etag'), etag)
    assert.deepEqual(still.json, comm.json)
  })

  it('does not let bob reuse alice’s endpointId to reach her application', async () => {
    const res = await createApplication(t.internal, POOL1, bob, {
      UserAgent: 'test/1.0',
      EndpointId: 'endpoint-1',
      Culture: 'en-US',
    })
    assert.equal(res.status, 200) // bob's own endpoint-1 from before()
    assert.notEqual(selfOf(res), a)
    assert.equal(res.json._embedded.me.uri, 'sip:bob@example.test')
  })
})

describe('application lifetime', () => {
  let t: TestServer
  let alice: string

  before(async () => {
    t = await startTestServer()
    alice = await signIn(t.internal, POOL1, 'alice@example.test', PASSWORDS.alice)
  })
  after(() => t.stop())

  it('expires an idle browser application after 15 minutes (410), mobile ones after a day', async () => {
    const browser = selfOf(await postJson(t, '/ucwa/oauth/v1/applications', alice, input('life-browser')))
    const mobiles = [
      input('life-phone', { type: 'Phone' }),
      input('life-iphone', { userAgent: 'Lync/2013 (iPhone; iOS 17.2)' }),
      input('life-android', { userAgent: 'SfB for Android/6.2' }),
    ]
    const mobilePaths: string[] = []
    for (const body of mobiles) {
      const res = await postJson(t, '/ucwa/oauth/v1/applications', alice, body)
      assert.equal(res.status, 201, res.text)
      assert.equal(res.json.expires, `/Date(${t.clock.now() + DAY})/`, JSON.stringify(body))
      mobilePaths.push(selfOf(res))
    }

    t.clock.advance(15 * MINUTE - 1000)
    // Not yet; but no request touches the browser app now, so it keeps its deadline.
    assert.equal((await t.server.store.applications.find(idOf(browser) as never))?.kind, 'browser')
    t.clock.advance(2000)
    for (const sub of ['', '/communication', '/policies']) {
      assertUcwaError(
        await call(t, `${browser}${sub}`, { token: alice }),
        410,
        'Gone',
        'InactiveApplicationExpired',
      )
    }
    assertUcwaError(
      await call(t, browser, { token: alice, method: 'DELETE' }),
      410,
      'Gone',
      'InactiveApplicationExpired',
    )
    for (const path of mobilePaths) {
      assert.equal((await call(t, path, { token: alice })).status, 200, path)
    }

    // Re-creating with the expired endpointId gives a fresh application.
    const reborn = await postJson(t, '/ucwa/oauth/v1/applications', alice, input('life-browser'))
    assert.equal(reborn.status, 201, reborn.text)
    assert.notEqual(selfOf(reborn), browser)

    // Mobile apps: alive just before a day of idleness (counted from the last request), gone after.
    t.clock.advance(DAY - 1000)
    const fresh = await signIn(t.internal, POOL1, 'alice@example.test', PASSWORDS.alice)
    for (const path of mobilePaths) {
      const app = await t.server.store.applications.find(idOf(path) as never)
      assert.ok(app && app.expiresAt > t.clock.now(), path)
    }
    t.clock.advance(2000)
    for (const path of mobilePaths) {
      assertUcwaError(await call(t, path, { token: fresh }), 410, 'Gone', 'InactiveApplicationExpired')
    }
  })

  it('keeps a browser application alive while it is used', async () => {
    const token = await signIn(t.internal, POOL1, 'alice@example.test', PASSWORDS.alice)
    const path = selfOf(await postJson(t, '/ucwa/oauth/v1/applications', token, input('life-busy')))
    for (let i = 0; i < 4; i++) {
      t.clock.advance(10 * MINUTE)
      const res = await call(t, path, { token })
      assert.equal(res.status, 200, `after ${(i + 1) * 10} minutes: ${res.text}`)
      assert.equal(res.json.expires, `/Date(${t.clock.now() + 15 * MINUTE})/`)
    }
    t.clock.advance(16 * MINUTE)
    assertUcwaError(await call(t, path, { token }), 410, 'Gone', 'InactiveApplicationExpired')
  })
})

describe('applications per user', () => {
  let t: TestServer
  let alice: string
  let bob: string
  let aliceId: string

  before(async () => {
    t = await startTestServer({ extra: 'applications:\n  maxPerUser: 2\n' })
    alice = await signIn(t.internal, POOL1, 'alice@example.test', PASSWORDS.alice)
    bob = await signIn(t.internal, POOL1, 'bob@example.test', PASSWORDS.bob)
    aliceId = (await t.server.store.users.findBySipUri('sip:alice@example.test' as never))?.id ?? ''
  })
  after(() => t.stop())

  it('refuses a third application with 410 TooManyApplications; deleting one frees a slot', async () => {
    const first = await postJson(t, '/ucwa/oauth/v1/applications', alice, input('cap-1'))
    const second = await postJson(t, '/ucwa/oauth/v1/applications', alice, input('cap-2'))
    assert.equal(first.status, 201)
    assert.equal(second.status, 201)

    const third = await postJson(t, '/ucwa/oauth/v1/applications', alice, input('cap-3'))
    assertUcwaError(third, 410, 'Gone', 'TooManyApplications')
    assert.deepEqual(
      (await t.server.store.applications.listByUser(aliceId as never)).map((a) => a.endpointId).sort(),
      ['cap-1', 'cap-2'],
    )
    // Re-POSTing an existing endpointId is not a new application.
    const again = await postJson(t, '/ucwa/oauth/v1/applications', alice, input('cap-1'))
    assert.equal(again.status, 200)
    assert.equal(selfOf(again), selfOf(first))
    // The cap is per user.
    assert.equal((await postJson(t, '/ucwa/oauth/v1/applications', bob, input('cap-3'))).status, 201)

    assert.equal((await call(t, selfOf(first), { method: 'DELETE', token: alice })).status, 204)
    const retry = await postJson(t, '/ucwa/oauth/v1/applications', alice, input('cap-3'))
    assert.equal(retry.status, 201, retry.text)
    assertUcwaError(
      await postJson(t, '/ucwa/oauth/v1/applications', alice, input('cap-4')),
      410,
      'Gone',
      'TooManyApplications',
    )
  })

  it('lets concurrent creations fill the cap exactly', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        postJson(t, '/ucwa/oauth/v1/applications', bob, input(`burst-${i}`)),
      ),
    )
    // bob already holds cap-3 from the previous test.
    assert.equal(results.filter((r) => r.status === 201).length, 1)
    for (const r of results.filter((r) => r.status !== 201)) {
      assertUcwaError(r, 410, 'Gone', 'TooManyApplications')
    }
  })

  it('does not count expired applications', async () => {
    t.clock.advance(16 * MINUTE)
    const token = await signIn(t.internal, POOL1, 'alice@example.test', PASSWORDS.alice)
    const res = await postJson(t, '/ucwa/oauth/v1/applications', token, input('cap-5'))
    assert.equal(res.status, 201, res.text)
    const res2 = await postJson(t, '/ucwa/oauth/v1/applications', token, input('cap-6'))
    assert.equal(res2.status, 201, res2.text)
  })
})
