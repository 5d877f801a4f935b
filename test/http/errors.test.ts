// Bad input over real HTTP: every refusal is a UCWA `reason` body (docs/protocol.md §10.3) with the
// right status, never a 500 or a stack trace, and changes nothing. Also what every response
// shares: gzip when asked (§12 item 17), Content-Length, no BOM, XML errors when asked (§10.4).
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { XMLParser } from 'fast-xml-parser'
import { LIMITS } from '../../src/http/limits.ts'
import { createApplication, PASSWORDS, signIn, startTestServer, type TestServer } from '../helpers/server.ts'

const POOL1 = 'pool01.example.test'
const POOL2 = 'pool02.example.test'
const UCWA_NS = 'http://schemas.microsoft.com/rtc/2012/03/ucwa'
const APPS = '/ucwa/oauth/v1/applications'
const BODY_LIMIT = 2048
const JSON_TYPE = 'application/json; charset=utf-8'
const XML_TYPE = 'application/xml; charset=utf-8'

interface Call {
  method?: string
  token?: string
  host?: string
  headers?: Record<string, string>
  body?: string | Buffer
}

interface RawResponse {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly rawHeaders: string[]
  /** The body as sent on the wire (compressed when Content-Encoding says so). */
  readonly wire: Buffer
  /** The body after undoing Content-Encoding. */
  readonly body: Buffer
  readonly text: string
  readonly json: any
}

/** One request with a raw request-target, returning the body bytes as they came. */
function send(t: TestServer, path: string, init: Call = {}): Promise<RawResponse> {
  const base = new URL(t.internal)
  const headers: Record<string, string> = { host: init.host ?? POOL1, ...(init.headers ?? {}) }
  if (init.token && headers.authorization === undefined) headers.authorization = `Bearer ${init.token}`
  if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body))
  const method = init.method ?? (init.body === undefined ? 'GET' : 'POST')
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: base.hostname, port: base.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const wire = Buffer.concat(chunks)
        const body = res.headers['content-encoding'] === 'gzip' ? gunzipSync(wire) : wire
        const text = body.toString('utf8')
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          wire,
          body,
          text,
          json,
        })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    if (init.body !== undefined) req.write(init.body)
    req.end()
  })
}

const header = (res: RawResponse, name: string): string | undefined => {
  const v = res.headers[name]
  return Array.isArray(v) ? v.join(', ') : v
}

/** What every response with a body must satisfy: an exact Content-Length and no BOM. */
function assertWellFormed(res: RawResponse): void {
  if (res.status === 204 || res.status === 304) {
    assert.equal(res.wire.length, 0, `${res.status} with a body`)
    assert.equal(header(res, 'content-encoding'), undefined)
    return
  }
  assert.equal(header(res, 'content-length'), String(res.wire.length), `Content-Length of a ${res.status}`)
  assert.ok(
    !(res.body[0] === 0xef && res.body[1] === 0xbb && res.body[2] === 0xbf),
    `a ${res.status} body starts with a UTF-8 BOM`,
  )
}

/** A UCWA error body: JSON, `code` (+ `subcode`), `message`, nothing that smells of a stack. */
function assertUcwaError(res: RawResponse, status: number, code: string, subcode?: string): void {
  assert.equal(res.status, status, res.text)
  assertWellFormed(res)
  assert.equal(header(res, 'content-type'), JSON_TYPE, res.text)
  assert.ok(res.json && typeof res.json === 'object', `not JSON: ${res.text}`)
  assert.equal(res.json.code, code, res.text)
  assert.equal(res.json.subcode, subcode, res.text)
  assert.equal(typeof res.json.message, 'string')
  for (const key of Object.keys(res.json)) {
    assert.ok(['code', 'subcode', 'message', 'parameters'].includes(key), `unexpected ${key} in ${res.text}`)
  }
  assertNoLeak(res)
}

function assertNoLeak(res: RawResponse): void {
  assert.ok(res.status < 500, `${res.status}: ${res.text}`)
  assert.doesNotMatch(res.text, /\bat .+:\d+:\d+|node:internal|\.ts\b|FST_|stack|SQLITE/i, res.text)
}

const parameterNames = (res: RawResponse): string[] =>
  ((res.json?.parameters ?? []) as { name: string }[]).map((p) => p.name).sort()

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  isArray: (name) => name === 'property',
})

function parseReasonXml(res: RawResponse): Record<string, string | undefined> {
  assert.equal(header(res, 'content-type'), XML_TYPE, res.text)
  assert.ok(res.text.startsWith('<?xml'), res.text)
  const doc = xml.parse(res.text) as {
    reason?: { '@xmlns'?: string; property?: { '@name': string; '#text'?: string }[] }
  }
  assert.ok(doc.reason, `no <reason> root: ${res.text}`)
  assert.equal(doc.reason['@xmlns'], UCWA_NS)
  return Object.fromEntries((doc.reason.property ?? []).map((p) => [p['@name'], p['#text']]))
}

describe('refused input', () => {
  let t: TestServer
  let alice: string
  let bob: string
  let a: string
  let port: string

  /** Everything the requests below could change: every user's applications, as stored. */
  const state = async (): Promise<string> => {
    const users = await t.server.store.users.list()
    const apps = await Promise.all(users.map((u) => t.server.store.applications.listByUser(u.id)))
    return JSON.stringify(apps)
  }

  /** Sends, checks the UCWA error, and checks that nothing changed. */
  async function refused(
    path: string,
    init: Call,
    status: number,
    code: string,
    subcode?: string,
  ): Promise<RawResponse> {
    const before = await state()
    const res = await send(t, path, init)
    assertUcwaError(res, status, code, subcode)
    assert.equal(await state(), before, `${init.method ?? 'GET'} ${path} changed state`)
    return res
  }

  const postApps = (body: string | Buffer, contentType = 'application/json'): Call => ({
    method: 'POST',
    token: alice,
    headers: { 'content-type': contentType },
    body,
  })

  const currentEtag = async (): Promise<string> => {
    const res = await send(t, `${a}/communication`, { token: alice })
    assert.equal(res.status, 200)
    return header(res, 'etag') ?? ''
  }

  before(async () => {
    t = await startTestServer({ extra: `http:\n  bodyLimitBytes: ${BODY_LIMIT}\n` })
    port = new URL(t.internal).port
    alice = await signIn(t.internal, POOL1, 'alice@example.test', PASSWORDS.alice)
    bob = await signIn(t.internal, POOL1, 'bob@example.test', PASSWORDS.bob)
    const created = await createApplication(t.internal, POOL1, alice)
    assert.equal(created.status, 201)
    a = created.json._links.self.href
  })
  after(() => t.stop())

  it('answers malformed JSON with 400 DeserializationFailure', async () => {
    for (const body of ['{bad', '{"userAgent":', "{'userAgent':'x'}", '{"a":1,}', 'undefined', '{}}']) {
      await refused(APPS, postApps(body), 400, 'BadRequest', 'DeserializationFailure')
    }
    const etag = await currentEtag()
    await refused(
      `${a}/communication`,
      {
        method: 'PUT',
        token: alice,
        headers: { 'content-type': 'application/json', 'if-match': etag },
        body: '{"x":',
      },
      400,
      'BadRequest',
      'DeserializationFailure',
    )
  })

  it('answers a JSON body that is not an object with 400 ParameterValidationFailure', async () => {
    for (const body of [
      '[]',
      '[{"userAgent":"x","endpointId":"y","culture":"en"}]',
      '"a string"',
      '42',
      'true',
    ]) {
      await refused(APPS, postApps(body), 400, 'BadRequest', 'ParameterValidationFailure')
    }
    const etag = await currentEtag()
    for (const body of ['[1]', '"x"']) {
      await refused(
        `${a}/communication`,
        {
          method: 'PUT',
          token: alice,
          headers: { 'content-type': 'application/json', 'if-match': etag },
          body,
        },
        400,
        'BadRequest',
        'ParameterValidationFailure',
      )
    }
  })

  it('names missing fields in parameters', async () => {
    const cases: [unknown, string[]][] = [
      [{}, ['culture', 'endpointId', 'userAgent']],
      [{ userAgent: 'x' }, ['culture', 'endpointId']],
      [{ UserAgent: 'x', EndpointId: 'y' }, ['culture']],
      [{ userAgent: null, endpointId: 'y', culture: 'en-US' }, ['userAgent']],
      [{ telemetryId: 'x' }, ['culture', 'endpointId', 'userAgent']],
    ]
    for (const [body, names] of cases) {
      const res = await refused(
        APPS,
        postApps(JSON.stringify(body)),
        400,
        'BadRequest',
        'ParameterValidationFailure',
      )
      assert.deepEqual(parameterNames(res), names, JSON.stringify(body))
      for (const p of res.json.parameters) assert.equal(typeof p.reason, 'string')
    }
  })

  it('names overlong and empty fields in parameters; a value at its cap is still fine', async () => {
    const ok = { userAgent: 'u', endpointId: 'overlong-ok', culture: 'en-US' }
    const caps = {
      userAgent: LIMITS.userAgent,
      endpointId: LIMITS.endpointId,
      culture: LIMITS.culture,
      type: LIMITS.applicationType,
      instanceId: LIMITS.contextString,
    }
    for (const [field, cap] of Object.entries(caps)) {
      const res = await refused(
        APPS,
        postApps(JSON.stringify({ ...ok, [field]: 'x'.repeat(cap + 1) })),
        400,
        'BadRequest',
        'ParameterValidationFailure',
      )
      assert.deepEqual(parameterNames(res), [field])
    }
    for (const field of ['userAgent', 'endpointId', 'culture']) {
      const res = await refused(
        APPS,
        postApps(JSON.stringify({ ...ok, [field]: '' })),
        400,
        'BadRequest',
        'ParameterValidationFailure',
      )
      assert.deepEqual(parameterNames(res), [field])
    }
    const longest = {
      userAgent: 'u'.repeat(LIMITS.userAgent),
      endpointId: 'e'.repeat(LIMITS.endpointId),
      culture: 'c'.repeat(LIMITS.culture),
    }
    const res = await send(t, APPS, postApps(JSON.stringify(longest)))
    assert.equal(res.status, 201, res.text)
    assert.equal(res.json.endpointId, longest.endpointId)
    assert.equal((await send(t, res.json._links.self.href, { method: 'DELETE', token: alice })).status, 204)
  })

  it('names wrong-typed fields in parameters', async () => {
    const res = await refused(
      APPS,
      postApps(
        JSON.stringify({ userAgent: 5, endpointId: true, culture: { lang: 'en' }, type: 7, instanceId: [] }),
      ),
      400,
      'BadRequest',
      'ParameterValidationFailure',
    )
    assert.deepEqual(parameterNames(res), ['culture', 'endpointId', 'instanceId', 'type', 'userAgent'])

    const comm = await send(t, `${a}/communication`, { token: alice })
    const etag = header(comm, 'etag') ?? ''
    const put = await refused(
      `${a}/communication`,
      {
        method: 'PUT',
        token: alice,
        headers: { 'content-type': 'application/json', 'if-match': etag },
        body: JSON.stringify({
          ...comm.json,
          audioPreference: 3,
          publishEndpointLocation: 'maybe',
          supportedModalities: ['Messaging', 'Telepathy'],
          supportedMessageFormats: 'Plain',
        }),
      },
      400,
      'BadRequest',
      'ParameterValidationFailure',
    )
    assert.deepEqual(parameterNames(put), [
      'audioPreference',
      'publishEndpointLocation',
      'supportedMessageFormats',
      'supportedModalities',
    ])
  })

  it('answers an unsupported Content-Type with 415', async () => {
    const body = JSON.stringify({ userAgent: 'u', endpointId: 'media-type', culture: 'en-US' })
    for (const type of [
      'application/octet-stream',
      'image/png',
      'application/pdf',
      'application/jsonx',
      ';;',
    ]) {
      await refused(APPS, postApps(body, type), 415, 'UnsupportedMediaType')
    }
    // A body without any Content-Type.
    await refused(APPS, { method: 'POST', token: alice, body }, 415, 'UnsupportedMediaType')
    await refused(
      `${a}/communication`,
      {
        method: 'PUT',
        token: alice,
        headers: { 'content-type': 'application/octet-stream', 'if-match': await currentEtag() },
        body: Buffer.from([0, 1, 2, 255]),
      },
      415,
      'UnsupportedMediaType',
    )
  })

  it(`answers a body over http.bodyLimitBytes (${BODY_LIMIT}) with 413 EntityTooLarge`, async () => {
    const padded = (size: number) => {
      const base = { userAgent: 'u', endpointId: 'big', culture: 'en-US', padding: '' }
      return JSON.stringify({ ...base, padding: 'p'.repeat(size - JSON.stringify(base).length) })
    }
    await refused(APPS, postApps(padded(BODY_LIMIT + 1)), 413, 'EntityTooLarge')
    await refused(APPS, postApps(padded(100_000)), 413, 'EntityTooLarge')
    await refused(
      APPS,
      postApps(
        `<input xmlns="${UCWA_NS}"><property name="x">${'p'.repeat(BODY_LIMIT)}</property></input>`,
        'application/xml',
      ),
      413,
      'EntityTooLarge',
    )
    await refused(
      `${a}/communication`,
      {
        method: 'PUT',
        token: alice,
        headers: { 'content-type': 'application/json', 'if-match': await currentEtag() },
        body: padded(BODY_LIMIT * 2),
      },
      413,
      'EntityTooLarge',
    )
    // At the limit it is read (the unknown padding property is ignored).
    const res = await send(t, APPS, postApps(padded(BODY_LIMIT)))
    assert.equal(res.status, 201, res.text)
    assert.equal((await send(t, res.json._links.self.href, { method: 'DELETE', token: alice })).status, 204)
  })

  it('answers malformed XML and XML with a DOCTYPE with 400 DeserializationFailure', async () => {
    const malformed = [
      '<input><property name="userAgent">x</input>',
      '<input><property',
      'not xml at all',
      `<input xmlns="${UCWA_NS}"><property name="userAgent">a</property>`,
      '<input><property name="a" name="b">x</property></input>',
    ]
    for (const body of malformed) {
      await refused(APPS, postApps(body, 'application/xml'), 400, 'BadRequest', 'DeserializationFailure')
    }
    const doctypes = [
      '<!DOCTYPE input><input/>',
      '<?xml version="1.0"?><!doctype input [<!ENTITY a "aaaa">]><input><property name="userAgent">&a;</property></input>',
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><input><property name="userAgent">&lol3;</property></input>',
      '<!DOCTYPE input SYSTEM "file:///etc/passwd"><input><property name="userAgent">x</property></input>',
    ]
    for (const body of doctypes) {
      for (const type of ['application/xml', 'application/vnd.microsoft.com.ucwa+xml', 'text/xml']) {
        await refused(APPS, postApps(body, type), 400, 'BadRequest', 'DeserializationFailure')
      }
    }
    await refused(
      `${a}/communication`,
      {
        method: 'PUT',
        token: alice,
        headers: { 'content-type': 'application/xml', 'if-match': await currentEtag() },
        body: '<input><property name="audioPreference">',
      },
      400,
      'BadRequest',
      'DeserializationFailure',
    )
  })

  it('treats an empty body with a JSON or XML Content-Type as no properties, never a crash', async () => {
    for (const type of ['application/json', 'application/vnd.microsoft.com.ucwa+json', 'application/xml']) {
      const res = await refused(APPS, postApps('', type), 400, 'BadRequest', 'ParameterValidationFailure')
      assert.deepEqual(parameterNames(res), ['culture', 'endpointId', 'userAgent'])
      await refused(APPS, postApps('  \r\n ', type), 400, 'BadRequest', 'ParameterValidationFailure')
    }
    // Where no body is needed, an empty one with a JSON Content-Type is fine.
    const get = await send(t, `${a}/policies`, {
      token: alice,
      headers: { 'content-type': 'application/json' },
    })
    assert.equal(get.status, 200, get.text)
    const other = await createApplication(t.internal, POOL1, alice, {
      userAgent: 'u',
      endpointId: 'empty-delete',
      culture: 'en-US',
    })
    const del = await send(t, other.json._links.self.href, {
      method: 'DELETE',
      token: alice,
      headers: { 'content-type': 'application/json' },
      body: '',
    })
    assert.equal(del.status, 204, del.text)
    // A PUT with an empty body lacks the GUID property.
    await refused(
      `${a}/communication`,
      {
        method: 'PUT',
        token: alice,
        headers: { 'content-type': 'application/json', 'if-match': await currentEtag() },
        body: '',
      },
      400,
      'BadRequest',
      'ParameterValidationFailure',
    )
  })

  it('answers unknown paths under /ucwa with a 404 UCWA error', async () => {
    for (const path of [
      '/ucwa',
      '/ucwa/oauth/v1',
      '/ucwa/oauth/v1/nothing',
      '/ucwa/v2/applications',
      `${a}/nothing`,
      `${a}/me/nothing/deeper`,
      `${a}/policies/extra`,
      `/ucwa/v1/applications/${a.split('/').pop()}/people/x/y/z`,
    ]) {
      await refused(path, { token: alice }, 404, 'NotFound')
    }
  })

  it('answers malformed or huge application ids with 404 ApplicationNotFound', async () => {
    const ids = [
      'abc',
      '12abc',
      '-5',
      '1.5',
      '0x10',
      '1e3',
      '%20123',
      '%D9%A1%D9%A2', // Arabic-Indic digits
      '9'.repeat(20),
      '9'.repeat(21),
      '9'.repeat(100),
      '00000000000000000001',
    ]
    for (const id of ids) {
      const path = `${APPS}/${id}`
      await refused(path, { token: alice }, 404, 'NotFound', 'ApplicationNotFound')
      await refused(path, { token: alice, method: 'DELETE' }, 404, 'NotFound', 'ApplicationNotFound')
      await refused(`${path}/policies`, { token: alice }, 404, 'NotFound', 'ApplicationNotFound')
      await refused(
        `${path}/communication`,
        {
          token: alice,
          method: 'PUT',
          headers: { 'content-type': 'application/json', 'if-match': '*' },
          body: '{}',
        },
        404,
        'NotFound',
        'ApplicationNotFound',
      )
    }
  })

  it('answers an application id longer than 100 characters with 404 ApplicationNotFound', async () => {
    await refused(`${APPS}/${'9'.repeat(101)}`, { token: alice }, 404, 'NotFound', 'ApplicationNotFound')
  })

  it('answers a malformed percent-encoding in the path with a UCWA 400', async () => {
    await refused(`${APPS}/%zz`, { token: alice }, 400, 'BadRequest')
  })

  it('answers a missing or unusable token with 401 and the MsRtcOAuth challenge', async () => {
    const challenge = new RegExp(
      `^MsRtcOAuth href="http://pool01\\.example\\.test:${port}/WebTicket/oauthtoken",grant_type="password"$`,
    )
    const attempts: Call[] = [
      {},
      { headers: { authorization: 'Bearer garbage' } },
      { headers: { authorization: `Bearer cwt=${'A'.repeat(43)}` } },
      { headers: { authorization: 'Bearer' } },
      { headers: { authorization: 'Bearer ' } },
      { headers: { authorization: 'Basic YWxpY2U6YWxpY2UtcGFzc3dvcmQtMQ==' } },
      { headers: { authorization: alice } }, // the token without its scheme
      { headers: { 'x-ms-webticket': 'cwt=nonsense' } },
    ]
    const body = JSON.stringify({ userAgent: 'u', endpointId: 'no-auth', culture: 'en-US' })
    for (const init of attempts) {
      for (const [path, extra] of [
        [APPS, { method: 'POST', headers: { 'content-type': 'application/json' }, body }],
        [a, {}],
        [`${a}/communication`, {}],
        [a, { method: 'DELETE' }],
      ] as [string, Call][]) {
        const res = await refused(
          path,
          { ...extra, headers: { ...(extra.headers ?? {}), ...(init.headers ?? {}) } },
          401,
          'Unauthorized',
        )
        // Each challenge on its own header line; MsRtcOAuth's URL quoted, grant_type last.
        const lines = res.rawHeaders.filter(
          (_, i) => i % 2 === 0 && res.rawHeaders[i]?.toLowerCase() === 'www-authenticate',
        )
        const values = res.rawHeaders.filter(
          (_, i) => i % 2 === 1 && res.rawHeaders[i - 1]?.toLowerCase() === 'www-authenticate',
        )
        assert.equal(lines.length, 2)
        assert.ok(
          values.some((v) => challenge.test(v)),
          values.join(' | '),
        )
        assert.ok(values.some((v) => v.startsWith('Bearer ')))
      }
    }
    // Still there for its owner.
    assert.equal((await send(t, a, { token: alice })).status, 200)
  })

  it('answers a token issued by another pool with 401 naming that pool’s token endpoint', async () => {
    const res = await refused(a, { token: alice, host: POOL2 }, 401, 'Unauthorized')
    assert.match(
      header(res, 'www-authenticate') ?? '',
      /MsRtcOAuth href="http:\/\/pool02\.example\.test:\d+\/WebTicket\/oauthtoken"/,
    )
  })

  it('never leaks another user’s application, whatever the method', async () => {
    const etag = await currentEtag()
    for (const init of [
      { token: bob },
      { token: bob, method: 'DELETE' },
      {
        token: bob,
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'if-match': etag },
        body: '{}',
      },
    ] as Call[]) {
      await refused(
        init.method === 'PUT' ? `${a}/communication` : a,
        init,
        404,
        'NotFound',
        'ApplicationNotFound',
      )
    }
  })
})

describe('expired tokens', () => {
  let t: TestServer

  before(async () => {
    t = await startTestServer()
  })
  after(() => t.stop())

  it('answers a token past its lifetime with 401 and the challenge', async () => {
    const token = await signIn(t.internal, POOL1, 'alice@example.test', PASSWORDS.alice)
    const created = await createApplication(t.internal, POOL1, token, {
      userAgent: 'Lync/2013 (iPhone)',
      endpointId: 'expiring',
      culture: 'en-US',
      type: 'Phone',
    })
    assert.equal(created.status, 201)
    const a = created.json._links.self.href as string
    // Eight hours is the token lifetime; just before, it still opens the (mobile) application.
    t.clock.advance(8 * 3600_000 - 60_000)
    assert.equal((await send(t, a, { token })).status, 200)
    t.clock.advance(120_000)
    for (const init of [
      { token },
      { token, method: 'DELETE' },
      {
        token,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userAgent: 'u', endpointId: 'after-expiry', culture: 'en-US' }),
      },
    ] as Call[]) {
      const res = await send(t, init.method === 'POST' ? APPS : a, init)
      assertUcwaError(res, 401, 'Unauthorized')
      assert.match(
        header(res, 'www-authenticate') ?? '',
        /MsRtcOAuth href="[^"]+\/WebTicket\/oauthtoken",grant_type="password"/,
      )
    }
    const user = await t.server.store.users.findBySipUri('sip:alice@example.test' as never)
    const apps = await t.server.store.applications.listByUser(user?.id as never)
    assert.deepEqual(
      apps.map((x) => x.endpointId),
      ['expiring'],
    )
  })
})

describe('response encoding', () => {
  let t: TestServer
  let alice: string
  let a: string
  let n = 0

  before(async () => {
    t = await startTestServer({ extra: `http:\n  bodyLimitBytes: ${BODY_LIMIT}\n` })
    alice = await signIn(t.internal, POOL1, 'alice@example.test', PASSWORDS.alice)
    const created = await createApplication(t.internal, POOL1, alice)
    a = created.json._links.self.href
  })
  after(() => t.stop())

  const json = (body: unknown): Call => ({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

  /** Requests covering small and large bodies, successes and every kind of refusal. */
  const scenarios = (): [string, string, Call, number][] => [
    ['GET application', a, {}, 200],
    ['GET policies', `${a}/policies`, {}, 200],
    ['GET people', `${a}/people`, {}, 200],
    ['GET onlineMeetings', `${a}/onlineMeetings`, {}, 200],
    ['GET communication', `${a}/communication`, {}, 200],
    ['POST new', APPS, json({ userAgent: 'u', endpointId: `enc-${n++}`, culture: 'en-US' }), 201],
    ['POST again', APPS, json({ userAgent: 'u', endpointId: 'endpoint-1', culture: 'en-US' }), 200],
    ['401', a, { headers: { authorization: 'Bearer nope' } }, 401],
    ['404 unknown path', `${a}/nothing`, {}, 404],
    ['404 application', `${APPS}/123`, {}, 404],
    ['404 version', a, { headers: { 'x-ms-requiresminresourceversion': '3' } }, 404],
    ['400 JSON', APPS, json('{oops'), 400],
    ['400 validation', APPS, json({}), 400],
    [
      '415',
      APPS,
      { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: 'x' },
      415,
    ],
    ['413', APPS, json({ padding: 'p'.repeat(BODY_LIMIT) }), 413],
    [
      '428',
      `${a}/communication`,
      { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' },
      428,
    ],
    [
      '412',
      `${a}/communication`,
      { method: 'PUT', headers: { 'content-type': 'application/json', 'if-match': '"1"' }, body: '{}' },
      412,
    ],
  ]

  it('gzips every JSON response when Accept-Encoding allows it, with a correct Content-Length', async () => {
    for (const [label, path, init, status] of scenarios()) {
      const res = await send(t, path, {
        token: alice,
        ...init,
        headers: { 'accept-encoding': 'gzip, deflate', ...(init.headers ?? {}) },
      })
      assert.equal(res.status, status, `${label}: ${res.text}`)
      assert.equal(header(res, 'content-encoding'), 'gzip', label)
      assert.equal(header(res, 'content-length'), String(res.wire.length), label)
      assert.ok(res.wire.length > 0 && res.wire[0] === 0x1f && res.wire[1] === 0x8b, `${label}: not gzip`)
      assert.match(header(res, 'vary') ?? '', /accept-encoding/i, label)
      assert.equal(header(res, 'content-type'), JSON_TYPE, label)
      assert.ok(res.json && typeof res.json === 'object', `${label}: ${res.text}`)
      assert.ok(res.text.startsWith('{'), label)
      assertWellFormed(res)
      if (status >= 400) assertNoLeak(res)
    }
  })

  it('sends plain bodies with a Content-Length without Accept-Encoding', async () => {
    for (const [label, path, init, status] of scenarios()) {
      const res = await send(t, path, { token: alice, ...init })
      assert.equal(res.status, status, `${label}: ${res.text}`)
      assert.equal(header(res, 'content-encoding'), undefined, label)
      assert.equal(header(res, 'content-length'), String(res.wire.length), label)
      assert.equal(header(res, 'content-type'), JSON_TYPE, label)
      assert.ok(res.json && typeof res.json === 'object', `${label}: ${res.text}`)
      assert.ok(res.text.startsWith('{'), `${label} does not start with {`)
      assertWellFormed(res)
    }
  })

  it('follows the codings the client accepts', async () => {
    for (const [value, gzip] of [
      ['gzip', true],
      ['GZIP', true],
      ['br, gzip;q=0.5', true],
      ['x-gzip', true],
      ['deflate, br', false],
      ['identity', false],
      ['gzip;q=0', false],
      ['gzip; q=0.0, deflate', false],
    ] as [string, boolean][]) {
      const res = await send(t, `${a}/policies`, { token: alice, headers: { 'accept-encoding': value } })
      assert.equal(res.status, 200)
      assert.equal(header(res, 'content-encoding'), gzip ? 'gzip' : undefined, value)
      assert.equal(header(res, 'content-length'), String(res.wire.length), value)
      assert.equal(res.json.rel, 'policies', value)
    }
  })

  it('sends no body and no Content-Encoding on 204 and 304', async () => {
    const gz = { 'accept-encoding': 'gzip' }
    const got = await send(t, a, { token: alice, headers: gz })
    const notModified = await send(t, a, {
      token: alice,
      headers: { ...gz, 'if-none-match': header(got, 'etag') ?? '' },
    })
    assert.equal(notModified.status, 304)
    assertWellFormed(notModified)
    const comm = await send(t, `${a}/communication`, { token: alice })
    const put = await send(t, `${a}/communication`, {
      token: alice,
      method: 'PUT',
      headers: { ...gz, 'content-type': 'application/json', 'if-match': header(comm, 'etag') ?? '' },
      body: JSON.stringify(comm.json),
    })
    assert.equal(put.status, 204, put.text)
    assertWellFormed(put)
    const other = await createApplication(t.internal, POOL1, alice, {
      userAgent: 'u',
      endpointId: 'to-delete',
      culture: 'en-US',
    })
    const del = await send(t, other.json._links.self.href, { token: alice, method: 'DELETE', headers: gz })
    assert.equal(del.status, 204)
    assertWellFormed(del)
  })

  it('answers errors in XML when Accept asks for XML, gzipped when asked', async () => {
    const cases: [string, Call, number, string, string | undefined][] = [
      [`${APPS}/123`, {}, 404, 'NotFound', 'ApplicationNotFound'],
      [`${a}/nothing`, {}, 404, 'NotFound', undefined],
      [APPS, json({}), 400, 'BadRequest', 'ParameterValidationFailure'],
      [APPS, json('{oops'), 400, 'BadRequest', 'DeserializationFailure'],
      [
        APPS,
        { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: 'x' },
        415,
        'UnsupportedMediaType',
        undefined,
      ],
      [APPS, json({ padding: 'p'.repeat(BODY_LIMIT) }), 413, 'EntityTooLarge', undefined],
      [
        `${a}/communication`,
        { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' },
        428,
        'PreconditionRequired',
        undefined,
      ],
      [a, { headers: { 'x-ms-requiresminresourceversion': '3' } }, 404, 'NotFound', 'APIVersionNotSupported'],
      [a, { headers: { authorization: 'Bearer nope' } }, 401, 'Unauthorized', undefined],
    ]
    const variants = ['application/xml', 'application/vnd.microsoft.com.ucwa+xml'].flatMap((accept) =>
      [undefined, 'gzip'].flatMap((encoding) => cases.map((c) => [accept, encoding, ...c] as const)),
    )
    for (const [accept, encoding, path, init, status, code, subcode] of variants) {
      const res = await send(t, path, {
        token: alice,
        ...init,
        headers: {
          accept,
          ...(encoding ? { 'accept-encoding': encoding } : {}),
          ...(init.headers ?? {}),
        },
      })
      const label = `${accept} ${encoding ?? 'plain'} ${status} ${code}`
      assert.equal(res.status, status, `${label}: ${res.text}`)
      assert.equal(header(res, 'content-encoding'), encoding, label)
      assertWellFormed(res)
      assertNoLeak(res)
      const reason = parseReasonXml(res)
      assert.equal(reason.code, code, label)
      assert.equal(reason.subcode, subcode, label)
      assert.ok(reason.message, label)
      if (status === 401) assert.match(header(res, 'www-authenticate') ?? '', /MsRtcOAuth href=/)
    }
  })

  it('answers resources in XML without a BOM and with a Content-Length', async () => {
    for (const path of [a, `${a}/policies`, `${a}/communication`]) {
      for (const encoding of [undefined, 'gzip']) {
        const res = await send(t, path, {
          token: alice,
          headers: { accept: 'application/xml', ...(encoding ? { 'accept-encoding': encoding } : {}) },
        })
        assert.equal(res.status, 200)
        assert.equal(header(res, 'content-type'), XML_TYPE)
        assert.equal(header(res, 'content-encoding'), encoding)
        assertWellFormed(res)
        assert.ok(res.text.startsWith('<?xml version="1.0" encoding="utf-8"?>'), res.text)
      }
    }
  })
})
