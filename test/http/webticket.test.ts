// The WebTicket token endpoint over real HTTP (docs/protocol.md §2): request forms, the success and
// error shapes, token lifetime and revocation, sign-in throttling, and secrets kept out of logs.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { Agent, get as httpGet } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, beforeEach, describe, it } from 'node:test'
import { parseConfig } from '../../src/config/load.ts'
import { type RunningServer, start } from '../../src/main.ts'
import { createLogger } from '../../src/platform/logger.ts'
import {
  createApplication,
  DEFAULT_LISTENERS,
  type HttpResponse,
  ManualClock,
  PASSWORDS,
  request,
  signIn,
  startTestServer,
  TEST_HASHER,
  type TestServer,
  topologyYaml,
} from '../helpers/server.ts'

const TOKEN_PATH = '/WebTicket/oauthtoken'
const OAUTH_USER = '/Autodiscover/AutodiscoverService.svc/root/oauth/user'
const POOL = 'pool01.example.test'
const FORM = 'application/x-www-form-urlencoded'
const HOUR = 3_600_000

type Fields = Record<string, string>

/** POST the token endpoint with a url-encoded form. */
function postForm(
  base: string,
  fields: Fields,
  options: { contentType?: string; path?: string; host?: string; headers?: Record<string, string> } = {},
): Promise<HttpResponse> {
  return request(base, options.path ?? TOKEN_PATH, {
    host: options.host ?? POOL,
    headers: { 'content-type': options.contentType ?? FORM, ...(options.headers ?? {}) },
    body: new URLSearchParams(fields).toString(),
  })
}

/** POST the token endpoint with a multipart/form-data body built the way browsers build it. */
async function postMultipart(base: string, fields: Fields): Promise<HttpResponse> {
  const form = new FormData()
  for (const [k, v] of Object.entries(fields)) form.append(k, v)
  const encoded = new Request('http://localhost/', { method: 'POST', body: form })
  const contentType = encoded.headers.get('content-type') ?? ''
  assert.match(contentType, /^multipart\/form-data; ?boundary=/)
  return request(base, TOKEN_PATH, {
    host: POOL,
    headers: { 'content-type': contentType },
    body: Buffer.from(await encoded.arrayBuffer()),
  })
}

const grant = (username: string, password: string): Fields => ({ grant_type: 'password', username, password })

function assertToken(res: HttpResponse, label = ''): string {
  assert.equal(res.status, 200, `${label}: ${res.text}`)
  assert.match(res.headers.get('content-type') ?? '', /^application\/json(;|$)/)
  assert.equal(res.headers.get('cache-control'), 'no-store')
  assert.equal(res.headers.get('pragma'), 'no-cache')
  assert.deepEqual(Object.keys(res.json).sort(), [
    'access_token',
    'expires_in',
    'ms_rtc_identityscope',
    'token_type',
  ])
  assert.match(res.json.access_token, /^cwt=[A-Za-z0-9_-]{40,}$/, label)
  assert.equal(res.json.token_type, 'Bearer')
  assert.equal(res.json.expires_in, 28800)
  assert.equal(typeof res.json.expires_in, 'number')
  assert.equal(res.json.ms_rtc_identityscope, 'local')
  return res.json.access_token
}

function assertOAuthError(res: HttpResponse, status: number, error: string, label = ''): void {
  assert.equal(res.status, status, `${label}: ${res.text}`)
  assert.match(res.headers.get('content-type') ?? '', /^application\/json(;|$)/, label)
  assert.equal(res.headers.get('cache-control'), 'no-store', label)
  assert.equal(res.json?.error, error, label)
  assert.equal(typeof res.json.error_description, 'string', label)
  assert.equal(res.json.access_token, undefined, label)
}

/** Whether a token opens the user resource on pool01. */
async function userStatus(base: string, token: string): Promise<number> {
  return (await request(base, OAUTH_USER, { host: POOL, token })).status
}

// Generous limits: this suite tries many wrong passwords on purpose and tests throttling apart.
const RELAXED_THROTTLE = `
auth:
  throttle:
    addressMaxFailures: 1000
    pairFreeFailures: 1000
    userMaxFailures: 1000
`

describe('token endpoint', () => {
  let t: TestServer
  before(async () => {
    t = await startTestServer({ extra: RELAXED_THROTTLE })
  })
  after(() => t.stop())

  describe('request forms', () => {
    it('issues a token for a url-encoded form, at both path casings', async () => {
      for (const path of [TOKEN_PATH, TOKEN_PATH.toLowerCase(), '/WEBTICKET/OAUTHTOKEN']) {
        const token = assertToken(
          await postForm(t.internal, grant('alice@example.test', PASSWORDS.alice), { path }),
          path,
        )
        assert.equal(await userStatus(t.internal, token), 200, path)
      }
    })

    it('accepts charset variations of the form content type', async () => {
      for (const contentType of [
        `${FORM};charset=UTF-8`,
        `${FORM}; charset=utf-8`,
        `${FORM};charset='utf-8'`,
        `${FORM}; charset="UTF-8"`,
        'Application/X-WWW-Form-Urlencoded',
      ]) {
        assertToken(
          await postForm(t.internal, grant('bob@example.test', PASSWORDS.bob), { contentType }),
          contentType,
        )
      }
    })

    it('accepts multipart/form-data', async () => {
      const token = assertToken(await postMultipart(t.internal, grant('alice@example.test', PASSWORDS.alice)))
      assert.equal(await userStatus(t.internal, token), 200)
      assertOAuthError(
        await postMultipart(t.internal, grant('alice@example.test', 'wrong-password')),
        400,
        'invalid_grant',
      )
    })

    it('decodes url-encoded passwords exactly', async () => {
      const tricky = 'p&ss=w0rd+ with spaces/ü€%'
      await t.server.users.setPassword('bob@example.test', tricky)
      try {
        assertToken(await postForm(t.internal, grant('bob@example.test', tricky)), 'form')
        assertToken(await postMultipart(t.internal, grant('bob@example.test', tricky)), 'multipart')
        assertOAuthError(
          await postForm(t.internal, grant('bob@example.test', tricky.replace(' ', '+'))),
          400,
          'invalid_grant',
        )
      } finally {
        await t.server.users.setPassword('bob@example.test', PASSWORDS.bob)
      }
    })

    it('accepts user@domain, sip:user@domain, any casing and DOMAIN\\user sign-in names', async () => {
      const cases: [string, string][] = [
        ['alice@example.test', PASSWORDS.alice],
        ['sip:alice@example.test', PASSWORDS.alice],
        ['SIP:Alice@Example.Test', PASSWORDS.alice],
        ['  alice@example.test  ', PASSWORDS.alice],
        ['EXAMPLE\\alice', PASSWORDS.alice],
        ['example\\ALICE', PASSWORDS.alice],
        ['OTHER\\carol', PASSWORDS.carol], // the SIP domain whose first label matches
        ['CONTOSO\\bob', PASSWORDS.bob], // no domain matches: the default domain
        ['carol@other.test', PASSWORDS.carol],
      ]
      for (const [username, password] of cases) {
        const token = assertToken(await postForm(t.internal, grant(username, password)), username)
        const user = await request(t.internal, OAUTH_USER, { host: POOL, token })
        assert.equal(user.status, 200, username)
      }
      // The netbios name picks the domain: EXAMPLE\carol is carol@example.test, who does not exist.
      assertOAuthError(
        await postForm(t.internal, grant('EXAMPLE\\carol', PASSWORDS.carol)),
        400,
        'invalid_grant',
      )
      for (const username of ['\\alice', 'EXAMPLE\\', 'EXAMPLE\\alice@example.test', 'alice', 'alice@']) {
        assertOAuthError(
          await postForm(t.internal, grant(username, PASSWORDS.alice)),
          400,
          'invalid_grant',
          username,
        )
      }
    })

    it('signs in as the user the name resolves to', async () => {
      // carol is homed on pool02: on pool01 her user resource redirects, which proves whose token it is.
      const token = assertToken(await postForm(t.internal, grant('OTHER\\carol', PASSWORDS.carol)))
      const user = await request(t.internal, OAUTH_USER, { host: POOL, token })
      assert.match(
        user.json._links.redirect.href,
        /\/\/pool02\.example\.test:\d+\/Autodiscover\/AutodiscoverService\.svc\/root$/,
      )
    })

    it('ignores unknown extra fields', async () => {
      assertToken(
        await postForm(t.internal, {
          ...grant('alice@example.test', PASSWORDS.alice),
          charset: 'UTF-8',
          client_id: 'whatever',
          scope: 'ucwa',
          resource: 'https://pool01.example.test',
        }),
      )
      assertToken(
        await postMultipart(t.internal, { ...grant('bob@example.test', PASSWORDS.bob), extra: 'x' }),
      )
    })

    it('accepts Accept: application/json or none, and issues a new token each time', async () => {
      const a = assertToken(
        await postForm(t.internal, grant('alice@example.test', PASSWORDS.alice), {
          headers: { accept: 'application/json' },
        }),
      )
      const b = assertToken(await postForm(t.internal, grant('alice@example.test', PASSWORDS.alice)))
      assert.notEqual(a, b)
      assert.equal(await userStatus(t.internal, a), 200)
      assert.equal(await userStatus(t.internal, b), 200)
    })

    it('is served on the external listener too, issuing tokens for the pool the host names', async () => {
      const res = await postForm(t.external, grant('alice@example.test', PASSWORDS.alice), {
        host: 'webext01.example.test',
      })
      const token = assertToken(res)
      assert.equal(await userStatus(t.internal, token), 200, 'bound to pool01, usable internally')
      const dir = await request(t.internal, OAUTH_USER, { host: 'dir01.example.test', token })
      assert.equal(dir.status, 401, 'not usable on another pool')
    })
  })

  describe('errors', () => {
    it('answers a wrong password, an unknown user and a malformed name identically', async () => {
      const wrong = await postForm(t.internal, grant('alice@example.test', 'not-alices-password'))
      const unknown = await postForm(t.internal, grant('nobody@example.test', 'not-alices-password'))
      const unknownDomain = await postForm(t.internal, grant('alice@elsewhere.test', PASSWORDS.alice))
      const garbage = await postForm(t.internal, grant('not a user name', PASSWORDS.alice))
      const tooLong = await postForm(t.internal, grant('alice@example.test', 'x'.repeat(2000)))
      for (const [label, res] of Object.entries({ wrong, unknown, unknownDomain, garbage, tooLong })) {
        assertOAuthError(res, 400, 'invalid_grant', label)
        assert.equal(res.text, wrong.text, `${label}: no account enumeration`)
        assert.equal(res.headers.get('pragma'), 'no-cache')
      }
    })

    it('refuses a disabled user with the same answer as a wrong password', async () => {
      await t.server.users.setEnabled('bob@example.test', false)
      try {
        const disabled = await postForm(t.internal, grant('bob@example.test', PASSWORDS.bob))
        const wrong = await postForm(t.internal, grant('bob@example.test', 'not-bobs-password'))
        assertOAuthError(disabled, 400, 'invalid_grant')
        assert.equal(disabled.text, wrong.text)
      } finally {
        await t.server.users.setEnabled('bob@example.test', true)
      }
      assertToken(await postForm(t.internal, grant('bob@example.test', PASSWORDS.bob)))
    })

    it('answers invalid_request when fields are missing or empty', async () => {
      const cases: Fields[] = [
        { grant_type: 'password', username: 'alice@example.test' },
        { grant_type: 'password', password: PASSWORDS.alice },
        { grant_type: 'password' },
        { grant_type: 'password', username: '', password: PASSWORDS.alice },
        { grant_type: 'password', username: 'alice@example.test', password: '' },
        { grant_type: 'password', username: '   ', password: PASSWORDS.alice },
        { username: 'alice@example.test', password: PASSWORDS.alice },
        {},
      ]
      for (const fields of cases) {
        assertOAuthError(await postForm(t.internal, fields), 400, 'invalid_request', JSON.stringify(fields))
      }
      assertOAuthError(await postMultipart(t.internal, { grant_type: 'password' }), 400, 'invalid_request')
      const empty = await request(t.internal, TOKEN_PATH, {
        host: POOL,
        headers: { 'content-type': FORM },
        body: '',
      })
      assertOAuthError(empty, 400, 'invalid_request', 'empty body')
    })

    it('answers unsupported_grant_type for every other grant', async () => {
      for (const grantType of [
        'urn:microsoft.rtc:windows',
        'urn:microsoft.rtc:anonmeeting',
        'urn:microsoft.rtc:passive',
        'client_credentials',
        'refresh_token',
        'Password',
      ]) {
        const res = await postForm(t.internal, {
          grant_type: grantType,
          username: 'alice@example.test',
          password: PASSWORDS.alice,
        })
        assertOAuthError(res, 400, 'unsupported_grant_type', grantType)
      }
    })

    it('handles JSON and non-form bodies without a server error', async () => {
      const post = (contentType: string, body: string) =>
        request(t.internal, TOKEN_PATH, { host: POOL, headers: { 'content-type': contentType }, body })
      // Not an object: the OAuth invalid_request.
      for (const body of ['"grant_type=password"', '[1,2]', 'null', '42', 'true']) {
        assertOAuthError(await post('application/json', body), 400, 'invalid_request', body)
      }
      for (const [type, body] of [
        ['text/plain', new URLSearchParams(grant('alice@example.test', PASSWORDS.alice)).toString()],
        ['application/xml', '<input><property name="grant_type">password</property></input>'],
      ] as const) {
        const res = await post(type, body)
        assertOAuthError(res, 400, 'invalid_request', type)
      }
      // A JSON object carrying the same fields is read leniently, like a form.
      assertToken(
        await post('application/json', JSON.stringify(grant('alice@example.test', PASSWORDS.alice))),
      )
      assertOAuthError(
        await post('application/json', JSON.stringify(grant('alice@example.test', 'wrong-password'))),
        400,
        'invalid_grant',
      )
      // Fields of the wrong JSON type are treated as missing, never coerced.
      assertOAuthError(
        await post(
          'application/json',
          JSON.stringify({ grant_type: 'password', username: ['a'], password: {} }),
        ),
        400,
        'invalid_request',
      )
      // Unparseable or untyped bodies: refused as client errors (the generic UCWA error shape).
      for (const [type, body] of [
        ['application/json', '{"grant_type":'],
        ['multipart/form-data; boundary=nope', 'garbage'],
        ['image/png', 'grant_type=password'],
      ] as const) {
        const res = await post(type, body)
        assert.ok(res.status >= 400 && res.status < 500, `${type}: ${res.status} ${res.text}`)
        assert.equal(res.json?.access_token, undefined)
      }
    })

    it('is not served on GET', async () => {
      const res = await request(t.internal, `${TOKEN_PATH}?grant_type=password&username=alice@example.test`, {
        host: POOL,
      })
      assert.ok(res.status === 404 || res.status === 405, String(res.status))
      assert.equal(res.json?.access_token, undefined)
    })
  })
})

describe('token lifetime and revocation', () => {
  let t: TestServer
  before(async () => {
    t = await startTestServer()
  })
  after(() => t.stop())

  it('expires tokens after 8 hours, and a fresh sign-in works again', async () => {
    const token = await signIn(t.internal, POOL, 'alice@example.test', PASSWORDS.alice)
    assert.equal(await userStatus(t.internal, token), 200)
    t.clock.advance(8 * HOUR - 1000)
    assert.equal(await userStatus(t.internal, token), 200, 'still valid a second before expiry')
    t.clock.advance(2000)
    const expired = await request(t.internal, OAUTH_USER, { host: POOL, token })
    assert.equal(expired.status, 401)
    assert.match(expired.headers.get('www-authenticate') ?? '', /MsRtcOAuth href="/)
    const app = await request(t.internal, '/ucwa/oauth/v1/applications', {
      host: POOL,
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ UserAgent: 'test', EndpointId: 'e1', Culture: 'en-US' }),
    })
    assert.equal(app.status, 401, 'UCWA refuses the expired token too')
    const fresh = await signIn(t.internal, POOL, 'alice@example.test', PASSWORDS.alice)
    assert.equal(await userStatus(t.internal, fresh), 200)
  })

  it('checks each token a keep-alive connection presents, not the first one it saw', async () => {
    // The server remembers a connection's last token digest; switching tokens (or presenting a
    // forged one) on the same socket must be checked afresh.
    const alice = await signIn(t.internal, POOL, 'alice@example.test', PASSWORDS.alice)
    const bob = await signIn(t.internal, POOL, 'bob@example.test', PASSWORDS.bob)
    const created = await createApplication(t.internal, POOL, alice)
    const aliceApp: string = created.json._links.self.href
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    try {
      const ports = new Set<number>()
      const get = (path: string, token: string) =>
        new Promise<number>((resolve, reject) => {
          const req = httpGet(
            new URL(path, t.internal),
            { agent, headers: { host: POOL, authorization: `Bearer ${token}` } },
            (res) => {
              ports.add(res.socket.localPort ?? 0)
              res.resume()
              res.on('end', () => resolve(res.statusCode ?? 0))
            },
          )
          req.on('error', reject)
        })
      assert.equal(await get(OAUTH_USER, alice), 200)
      assert.equal(await get(OAUTH_USER, 'cwt=forged'), 401)
      assert.equal(await get(aliceApp, alice), 200)
      assert.equal(await get(aliceApp, bob), 404, "bob's token on alice's connection is bob")
      assert.equal(await get(aliceApp, alice), 200)
      assert.equal(ports.size, 1, 'every request went over the same connection')
    } finally {
      agent.destroy()
    }
  })

  it('ends existing tokens at once when the password changes', async () => {
    const before = await signIn(t.internal, POOL, 'bob@example.test', PASSWORDS.bob)
    const other = await signIn(t.internal, POOL, 'alice@example.test', PASSWORDS.alice)
    assert.equal(await userStatus(t.internal, before), 200) // now cached
    await t.server.users.setPassword('bob@example.test', 'bobs-new-password')
    try {
      assert.equal(await userStatus(t.internal, before), 401, 'no cache grace period')
      assert.equal(await userStatus(t.internal, other), 200, "other users' tokens live on")
      assertOAuthError(
        await postForm(t.internal, grant('bob@example.test', PASSWORDS.bob)),
        400,
        'invalid_grant',
        'old password',
      )
      const after = await signIn(t.internal, POOL, 'bob@example.test', 'bobs-new-password')
      assert.equal(await userStatus(t.internal, after), 200)
    } finally {
      await t.server.users.setPassword('bob@example.test', PASSWORDS.bob)
    }
  })

  it('ends existing tokens at once when the user is disabled, and refuses new sign-ins', async () => {
    const token = await signIn(t.internal, POOL, 'alice@example.test', PASSWORDS.alice)
    const webticket = await request(t.internal, OAUTH_USER, {
      host: POOL,
      headers: { 'x-ms-webticket': token },
    })
    assert.equal(webticket.status, 200)
    await t.server.users.setEnabled('alice@example.test', false)
    try {
      assert.equal(await userStatus(t.internal, token), 401)
      const viaTicket = await request(t.internal, OAUTH_USER, {
        host: POOL,
        headers: { 'x-ms-webticket': token },
      })
      assert.equal(viaTicket.status, 401)
      const refused = await postForm(t.internal, grant('alice@example.test', PASSWORDS.alice))
      assertOAuthError(refused, 400, 'invalid_grant')
      const wrong = await postForm(t.internal, grant('alice@example.test', 'not-the-password'))
      assert.equal(refused.text, wrong.text, 'a disabled account looks like a wrong password')
    } finally {
      await t.server.users.setEnabled('alice@example.test', true)
    }
    // Re-enabling does not resurrect the revoked token; a new sign-in is needed.
    assert.equal(await userStatus(t.internal, token), 401)
    const fresh = await signIn(t.internal, POOL, 'alice@example.test', PASSWORDS.alice)
    assert.equal(await userStatus(t.internal, fresh), 200)
  })
})

const WINDOW_SECONDS = 300
const THROTTLE = `
auth:
  throttle:
    addressMaxFailures: 8
    pairFreeFailures: 2
    pairMaxBackoffSeconds: 8
    userMaxFailures: 3
    windowSeconds: ${WINDOW_SECONDS}
`

function assertThrottled(res: HttpResponse, label = ''): number {
  assertOAuthError(res, 429, 'temporarily_unavailable', label)
  const retryAfter = Number(res.headers.get('retry-after'))
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After ${res.headers.get('retry-after')}`)
  assert.match(res.json.error_description, new RegExp(`\\b${retryAfter} seconds\\b`), label)
  return retryAfter
}

describe('sign-in throttling from one address', () => {
  let t: TestServer
  before(async () => {
    t = await startTestServer({ extra: THROTTLE })
  })
  after(() => t.stop())
  // Every counter's window lapses between tests.
  beforeEach(() => t.clock.advance((WINDOW_SECONDS + 1) * 1000))

  const attempt = (username: string, password: string, headers: Record<string, string> = {}) =>
    postForm(t.internal, grant(username, password), { headers })

  it('backs off exponentially per user and address, and the lock lifts with time', async () => {
    // bob has signed in from here before, so only the per-(user, address) back-off applies.
    await signIn(t.internal, POOL, 'bob@example.test', PASSWORDS.bob)
    assertOAuthError(await attempt('bob@example.test', 'wrong-1'), 400, 'invalid_grant')
    assertOAuthError(await attempt('bob@example.test', 'wrong-2'), 400, 'invalid_grant')
    // Free failures used up: even the right password waits out the back-off.
    let res = await attempt('bob@example.test', PASSWORDS.bob)
    assert.equal(assertThrottled(res), 1)
    assert.match(res.json.error_description, /for this account/)
    t.clock.advance(1000)
    assertOAuthError(await attempt('bob@example.test', 'wrong-3'), 400, 'invalid_grant')
    res = await attempt('bob@example.test', 'wrong-4')
    assert.equal(assertThrottled(res), 2, 'the back-off doubles')
    t.clock.advance(1000)
    assert.equal(assertThrottled(await attempt('bob@example.test', PASSWORDS.bob)), 1, 'counts down')
    t.clock.advance(1000)
    // The lock is time-bounded: bob gets in, and success clears his back-off.
    assertToken(await attempt('bob@example.test', PASSWORDS.bob))
    assertOAuthError(await attempt('bob@example.test', 'wrong-5'), 400, 'invalid_grant')
  })

  it('lets a user in from an address they signed in from while strangers to the account wait', async () => {
    // alice has signed in from this address before; carol never has.
    await signIn(t.internal, POOL, 'alice@example.test', PASSWORDS.alice)
    for (const user of ['alice@example.test', 'carol@other.test']) {
      assertOAuthError(await attempt(user, 'wrong-1'), 400, 'invalid_grant')
      assertOAuthError(await attempt(user, 'wrong-2'), 400, 'invalid_grant')
      t.clock.advance(1000) // wait out the short per-(user, address) back-off
      assertOAuthError(await attempt(user, 'wrong-3'), 400, 'invalid_grant')
      t.clock.advance(2000)
    }
    // Both accounts have reached userMaxFailures; the per-pair back-offs have lapsed.
    assertToken(await attempt('alice@example.test', PASSWORDS.alice), 'trusted address')
    const refused = await attempt('carol@other.test', PASSWORDS.carol)
    const retryAfter = assertThrottled(refused, 'untrusted address')
    assert.match(refused.json.error_description, /for this account/)
    assert.ok(retryAfter > 250 && retryAfter <= WINDOW_SECONDS, String(retryAfter))
    // Time-bounded: once the window ends, carol signs in.
    t.clock.advance(retryAfter * 1000)
    assertToken(await attempt('carol@other.test', PASSWORDS.carol))
  })

  it('refuses an address that sprays many accounts, without trusting X-Forwarded-For', async () => {
    for (let i = 0; i < 8; i++) {
      // Rotating X-Forwarded-For must not split the counter: no trusted proxy is configured.
      const res = await attempt(`user${i}@example.test`, 'guess', { 'x-forwarded-for': `10.0.0.${i + 1}` })
      assertOAuthError(res, 400, 'invalid_grant', `attempt ${i}`)
    }
    const late: [string, string][] = [
      ['alice@example.test', PASSWORDS.alice],
      ['someone@example.test', 'guess'],
    ]
    for (const [user, password] of late) {
      const res = await attempt(user, password, { 'x-forwarded-for': '10.9.9.9' })
      const retryAfter = assertThrottled(res, user)
      assert.match(res.json.error_description, /from this address/)
      assert.ok(retryAfter <= WINDOW_SECONDS)
    }
    t.clock.advance(WINDOW_SECONDS * 1000)
    assertToken(await attempt('alice@example.test', PASSWORDS.alice))
  })

  it('throttles unknown accounts like known ones (no enumeration through 429s)', async () => {
    for (const user of ['bob@example.test', 'ghost@example.test']) {
      assertOAuthError(await attempt(user, 'wrong-1'), 400, 'invalid_grant', user)
      assertOAuthError(await attempt(user, 'wrong-2'), 400, 'invalid_grant', user)
      const res = await attempt(user, 'wrong-3')
      assert.equal(assertThrottled(res, user), 1)
    }
    // Different spellings of one account share its counter.
    assertThrottled(await attempt('SIP:Bob@Example.Test', 'wrong-4'), 'sip: form')
    assertThrottled(await attempt('EXAMPLE\\bob', 'wrong-4'), 'DOMAIN\\user form')
  })

  it('does not count malformed requests as failed sign-ins', async () => {
    for (let i = 0; i < 10; i++) {
      assertOAuthError(
        await postForm(t.internal, { grant_type: 'password', username: 'bob@example.test' }),
        400,
        'invalid_request',
      )
      assertOAuthError(
        await postForm(t.internal, {
          grant_type: 'client_credentials',
          username: 'bob@example.test',
          password: 'x',
        }),
        400,
        'unsupported_grant_type',
      )
    }
    assertToken(await attempt('bob@example.test', PASSWORDS.bob))
  })
})

describe('sign-in throttling across addresses (behind a trusted proxy)', () => {
  let t: TestServer
  before(async () => {
    t = await startTestServer({ extra: `${THROTTLE}http:\n  trustProxy: [127.0.0.1]\n` })
  })
  after(() => t.stop())
  beforeEach(() => t.clock.advance((WINDOW_SECONDS + 1) * 1000))

  const from = (address: string, username: string, password: string) =>
    postForm(t.internal, grant(username, password), { headers: { 'x-forwarded-for': address } })

  it("refuses strangers to a targeted account but never the user's own devices", async () => {
    assertToken(await from('10.1.0.1', 'alice@example.test', PASSWORDS.alice), 'her laptop')
    // A distributed guess: one failure each from three addresses.
    for (const address of ['10.2.0.1', '10.2.0.2', '10.2.0.3']) {
      assertOAuthError(await from(address, 'alice@example.test', 'guess'), 400, 'invalid_grant', address)
    }
    const stranger = await from('10.3.0.1', 'alice@example.test', PASSWORDS.alice)
    assertThrottled(stranger, 'new address, right password')
    assert.match(stranger.json.error_description, /for this account/)
    assertToken(await from('10.1.0.1', 'alice@example.test', PASSWORDS.alice), 'her laptop still works')
    // Other accounts are untouched, from anywhere.
    assertToken(await from('10.3.0.1', 'bob@example.test', PASSWORDS.bob))
    t.clock.advance(WINDOW_SECONDS * 1000)
    assertToken(await from('10.3.0.1', 'alice@example.test', PASSWORDS.alice), 'after the window')
  })

  it('refuses a spraying address without affecting other addresses', async () => {
    for (let i = 0; i < 8; i++) {
      assertOAuthError(await from('10.4.0.1', `victim${i}@example.test`, 'guess'), 400, 'invalid_grant')
    }
    const res = await from('10.4.0.1', 'bob@example.test', PASSWORDS.bob)
    assertThrottled(res)
    assert.match(res.json.error_description, /from this address/)
    assertToken(await from('10.4.0.2', 'bob@example.test', PASSWORDS.bob), 'the neighbour')
  })

  it('backs off per (user, address) pair only', async () => {
    assertOAuthError(await from('10.5.0.1', 'bob@example.test', 'guess-1'), 400, 'invalid_grant')
    assertOAuthError(await from('10.5.0.1', 'bob@example.test', 'guess-2'), 400, 'invalid_grant')
    assertThrottled(await from('10.5.0.1', 'bob@example.test', PASSWORDS.bob))
    assertToken(await from('10.5.0.1', 'alice@example.test', PASSWORDS.alice), 'same address, other user')
    assertToken(await from('10.5.0.2', 'bob@example.test', PASSWORDS.bob), 'same user, other address')
  })
})

describe('secrets in logs', () => {
  let server: RunningServer
  let dir: string
  let base: string
  const lines: string[] = []
  const logText = () => lines.join('')

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-log-test-'))
    const config = parseConfig(topologyYaml(DEFAULT_LISTENERS), { file: 'test.yaml', env: {}, baseDir: dir })
    const logger = createLogger('trace', { write: (line: string) => void lines.push(line) })
    server = await start(config, { clock: new ManualClock(), hasher: TEST_HASHER, logger })
    base = server.listeners.find((l) => l.kind === 'internal')!.url
  })
  after(async () => {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('logs requests but never passwords or access tokens', async () => {
    const wrongPassword = 'Wr0ng-But-Secret-Guess'
    assertOAuthError(await postForm(base, grant('alice@example.test', wrongPassword)), 400, 'invalid_grant')
    const token = assertToken(await postForm(base, grant('alice@example.test', PASSWORDS.alice)))
    const multipartToken = assertToken(await postMultipart(base, grant('bob@example.test', PASSWORDS.bob)))
    assert.equal((await request(base, OAUTH_USER, { host: POOL, token })).status, 200)
    const ticket = await request(base, OAUTH_USER, {
      host: POOL,
      headers: { 'x-ms-webticket': `opaque=${multipartToken}` },
    })
    assert.equal(ticket.status, 200)
    const app = await request(base, '/ucwa/oauth/v1/applications', {
      host: POOL,
      token,
      headers: { 'content-type': 'application/json', cookie: `cwt_ucwa=${token}` },
      body: JSON.stringify({ UserAgent: 'test/1.0', EndpointId: 'log-test', Culture: 'en-US' }),
    })
    assert.equal(app.status, 201)

    const text = logText()
    // The capture works: requests and the sign-in are in the log at trace level.
    assert.match(text, /token issued/)
    assert.match(text, /\/WebTicket\/oauthtoken/)
    assert.match(text, /\/root\/oauth\/user/)
    assert.match(text, /alice@example\.test/)
    for (const secret of [
      PASSWORDS.alice,
      PASSWORDS.bob,
      wrongPassword,
      token,
      token.slice('cwt='.length),
      multipartToken,
      multipartToken.slice('cwt='.length),
    ]) {
      assert.ok(!text.includes(secret), `secret leaked into the log: ${secret.slice(0, 8)}…`)
    }
  })
})
