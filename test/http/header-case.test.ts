// Header names go out as IIS wrote them (CreateAnApplication.md, SendAnIM.md, AuthenticationInUCWA.md
// in advocations/skype): some clients look headers up case-sensitively, so `www-authenticate`
// would hide the token URL from them. Checked on the raw header block (node:http rawHeaders;
// fetch would lower-case every name), on an https and a plain-HTTP listener.
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { after, before, describe, it } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { PASSWORDS, signIn, type TestServer } from '../helpers/server.ts'
import { startTlsTestServer } from '../helpers/tls.ts'

const USER_PATH = '/Autodiscover/AutodiscoverService.svc/root/oauth/user'
const APPS = '/ucwa/oauth/v1/applications'

interface Raw {
  readonly status: number
  /** Header lines as sent: [name, value] in wire order. */
  readonly lines: [string, string][]
  readonly text: string
}

function raw(
  base: string,
  path: string,
  init: { method?: string; host: string; token?: string; headers?: Record<string, string>; body?: string },
): Promise<Raw> {
  const url = new URL(path, base)
  const headers: Record<string, string> = { host: init.host, ...(init.headers ?? {}) }
  if (init.token) headers.authorization = `Bearer ${init.token}`
  if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body))
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers,
        rejectUnauthorized: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const lines: [string, string][] = []
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            lines.push([res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string])
          }
          const body = Buffer.concat(chunks)
          const gzipped = res.headers['content-encoding'] === 'gzip'
          resolve({
            status: res.statusCode ?? 0,
            lines,
            text: (gzipped ? gunzipSync(body) : body).toString(),
          })
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    if (init.body !== undefined) req.write(init.body)
    req.end()
  })
}

/** The names of `res` that spell `name` in any case, as sent. */
const spellings = (res: Raw, name: string): string[] =>
  res.lines.filter(([k]) => k.toLowerCase() === name.toLowerCase()).map(([k]) => k)

/** `name` is present, and every line of it is spelled exactly so. */
function assertSpelled(res: Raw, name: string): void {
  const found = spellings(res, name)
  assert.ok(found.length > 0, `no ${name} in ${JSON.stringify(res.lines)}`)
  assert.deepEqual([...new Set(found)], [name], `${name} spelled ${found.join(', ')}`)
}

/** No header name of `res` is in lower case (each starts with a capital, every word too). */
function assertAllCanonical(res: Raw): void {
  for (const [name] of res.lines) {
    assert.match(name, /^[A-Z][A-Za-z0-9]*(-[A-Z][A-Za-z0-9]*)*$/, `header ${name} is not in canonical case`)
  }
}

const values = (res: Raw, name: string): string[] =>
  res.lines.filter(([k]) => k.toLowerCase() === name.toLowerCase()).map(([, v]) => v)

describe('header names in canonical case', () => {
  let t: TestServer
  let token: string
  let app: string

  // The internal listener is https, the external one plain HTTP: both must write IIS's names.
  const listeners = (): [string, string, string][] => [
    ['https', t.internal, 'pool01.example.test'],
    ['http', t.external, 'webext01.example.test'],
  ]

  before(async () => {
    t = await startTlsTestServer((tls) => ({
      listeners: `
  - { address: 127.0.0.1, port: 0, kind: internal, ${tls} }
  - { address: 127.0.0.1, port: 0, kind: external }
  - { address: 127.0.0.1, port: 0, kind: autodiscover-http }`,
      extra: 'auth:\n  throttle:\n    pairFreeFailures: 1\n',
    }))
    token = await signIn(t.internal, 'pool01.example.test', 'alice@example.test', PASSWORDS.alice)
    const created = await raw(t.internal, APPS, {
      host: 'pool01.example.test',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ UserAgent: 'test/1.0', EndpointId: 'header-case', Culture: 'en-US' }),
    })
    assert.equal(created.status, 201, created.text)
    app = JSON.parse(created.text)._links.self.href
  })
  after(() => t?.stop())

  it('sends the 401 challenge as two separate WWW-Authenticate lines', async () => {
    for (const [label, base, host] of listeners()) {
      for (const path of [USER_PATH, app]) {
        const res = await raw(base, path, { host })
        assert.equal(res.status, 401, `${label} ${path}`)
        assertSpelled(res, 'WWW-Authenticate')
        assert.equal(values(res, 'www-authenticate').length, 2, `${label}: one line per challenge`)
        assert.ok(values(res, 'WWW-Authenticate').some((v) => v.startsWith('MsRtcOAuth href="')))
        for (const name of ['Content-Type', 'Content-Length', 'Cache-Control']) assertSpelled(res, name)
        assertAllCanonical(res)
      }
    }
  })

  it('sends Set-Cookie on application creation and Location on a 201', async () => {
    for (const [label, base, host] of listeners()) {
      const signedIn = await signIn(base, host, 'alice@example.test', PASSWORDS.alice)
      const created = await raw(base, APPS, {
        host,
        token: signedIn,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ UserAgent: 'test/1.0', EndpointId: `cookie-${label}`, Culture: 'en-US' }),
      })
      assert.equal(created.status, 201, created.text)
      assertSpelled(created, 'Set-Cookie')
      assertAllCanonical(created)
      const self = JSON.parse(created.text)._links.self.href
      const subscription = await raw(base, `${self}/people/presenceSubscriptions`, {
        host,
        token: signedIn,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ duration: 30, uris: ['sip:bob@example.test'] }),
      })
      assert.equal(subscription.status, 201, subscription.text)
      assertSpelled(subscription, 'Location')
      assert.match(values(subscription, 'Location')[0] ?? '', /\/presenceSubscriptions\//)
      assertAllCanonical(subscription)
    }
  })

  it('sends ETag on a GET, and ETag again on the 304', async () => {
    const res = await raw(t.internal, `${app}/communication`, { host: 'pool01.example.test', token })
    assert.equal(res.status, 200, res.text)
    assertSpelled(res, 'ETag')
    assertAllCanonical(res)
    const etag = values(res, 'ETag')[0] ?? ''
    const again = await raw(t.internal, `${app}/communication`, {
      host: 'pool01.example.test',
      token,
      headers: { 'if-none-match': etag },
    })
    assert.equal(again.status, 304)
    assertSpelled(again, 'ETag')
    assertAllCanonical(again)
  })

  it('sends Content-Encoding and Vary on a gzip response', async () => {
    for (const [label, base, host] of listeners()) {
      const res = await raw(base, `${app}/policies`, {
        host,
        token,
        headers: { 'accept-encoding': 'gzip' },
      })
      assert.equal(res.status, 200, `${label}: ${res.text}`)
      for (const name of ['Content-Encoding', 'Vary', 'Content-Length', 'Content-Type'])
        assertSpelled(res, name)
      assert.equal(values(res, 'Content-Encoding')[0], 'gzip')
      assertAllCanonical(res)
    }
  })

  it('sends Retry-After on a 429', async () => {
    const attempt = () =>
      raw(t.internal, '/WebTicket/oauthtoken', {
        host: 'pool01.example.test',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=password&username=bob%40example.test&password=wrong-password-1',
      })
    let res = await attempt()
    // One free failure (the config above), then the back-off refuses the next attempt at once.
    for (let i = 0; i < 3 && res.status !== 429; i++) res = await attempt()
    assert.equal(res.status, 429, res.text)
    for (const name of ['Retry-After', 'Cache-Control', 'Pragma', 'Content-Type']) assertSpelled(res, name)
    assertAllCanonical(res)
  })

  it('writes the headers of each batch part in canonical case', async () => {
    const boundary = 'b7d3e1'
    const body =
      `--${boundary}\r\nContent-Type: application/http; msgtype=request\r\n\r\n` +
      `GET ${app}/communication HTTP/1.1\r\nHost: pool01.example.test\r\nAccept: application/json\r\n\r\n` +
      `--${boundary}\r\nContent-Type: application/http; msgtype=request\r\n\r\n` +
      `GET ${app}/nothing-here HTTP/1.1\r\nHost: pool01.example.test\r\nAccept: application/json\r\n\r\n` +
      `--${boundary}--\r\n`
    const res = await raw(t.internal, `${app}/batch`, {
      host: 'pool01.example.test',
      token,
      headers: { 'content-type': `multipart/batching; boundary=${boundary}`, accept: 'multipart/batching' },
      body,
    })
    assert.equal(res.status, 200, res.text)
    assertAllCanonical(res)
    // Each part's header block: from its status line to the blank line.
    const blocks = [...res.text.matchAll(/HTTP\/1\.1 (\d{3})[^\r\n]*\r\n((?:[^\r\n]+\r\n)*)\r\n/g)]
    assert.deepEqual(
      blocks.map((m) => m[1]),
      ['200', '404'],
      res.text,
    )
    const names = blocks
      .flatMap((m) => (m[2] ?? '').split('\r\n').filter(Boolean))
      .map((l) => l.split(':')[0])
    assert.ok(names.includes('ETag'), names.join(', '))
    assert.ok(names.includes('Content-Type'), names.join(', '))
    for (const name of names)
      assert.match(name ?? '', /^[A-Z][A-Za-z]*(-[A-Z][A-Za-z]*)*$/, `part header ${name}`)
  })
})
