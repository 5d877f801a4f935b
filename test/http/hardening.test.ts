// What an outside probe found (issue 14, part 8), over real HTTP: secrets in query strings stay
// out of the log; what Node's HTTP parser refuses (and CONNECT) is answered with a UCWA error body;
// JSON and text bodies that are not what a UCWA input can be change nothing; and requests that
// never finish arriving cannot hold a socket forever, while parked P-GETs keep theirs.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parseConfig } from '../../src/config/load.ts'
import { type RunningServer, start } from '../../src/main.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { connect as connectIm, next, say, texts } from '../helpers/messaging.ts'
import { appIdOf, LONG_HOLD, parked } from '../helpers/pget.ts'
import {
  DEFAULT_LISTENERS,
  ManualClock,
  PASSWORDS,
  request,
  signIn,
  startTestServer,
  TEST_HASHER,
  type TestServer,
  topologyYaml,
} from '../helpers/server.ts'
import { available, availableAll, HOME, signedInApp } from '../helpers/ucwa-client.ts'

const POOL = 'pool01.example.test'
const JSON_TYPE = 'application/json; charset=utf-8'

interface Parsed {
  readonly status: number
  /** Header names lower-cased, values as sent. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly json: any
}

/** One HTTP/1.1 response as text (what a raw socket received). */
function parse(text: string): Parsed {
  const end = text.indexOf('\r\n\r\n')
  assert.ok(end > 0, `no complete response in ${JSON.stringify(text)}`)
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n')
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1])
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
  }
  const body = text.slice(end + 4)
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    json = undefined
  }
  return { status, headers, body, json }
}

/** A UCWA error answered on a connection the server then closes. */
function assertRefusal(res: Parsed, status: number, code: string): void {
  assert.equal(res.status, status, res.body)
  assert.equal(res.headers['content-type'], JSON_TYPE)
  assert.equal(res.headers['content-length'], String(Buffer.byteLength(res.body)), 'Content-Length')
  assert.equal(res.headers.connection, 'close')
  assert.equal(res.json?.code, code, res.body)
  assert.equal(typeof res.json?.message, 'string')
  assert.deepEqual(Object.keys(res.json).sort(), ['code', 'message'])
}

/** Writes `data` on a fresh connection and reads until the server closes it. */
function exchange(port: number, data: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(data))
    const received: Buffer[] = []
    socket.on('data', (chunk: Buffer) => received.push(chunk))
    // A reset instead of a close would fail here: the answer must arrive whole.
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(received).toString('utf8')))
  })
}

/** A connection that sent part of a request and then nothing more. */
interface Stalled {
  readonly socket: Socket
  /** Settles with what the server sent once it closes the connection. */
  readonly closed: Promise<string>
  readonly isOpen: () => boolean
}

function stall(port: number, data: string): Promise<Stalled> {
  return new Promise((resolve, reject) => {
    const received: Buffer[] = []
    let open = true
    const socket = connect(port, '127.0.0.1')
    const closed = new Promise<string>((settle) => {
      socket.on('close', () => {
        open = false
        settle(Buffer.concat(received).toString('utf8'))
      })
    })
    socket.on('data', (chunk: Buffer) => received.push(chunk))
    socket.on('error', () => {})
    socket.once('connect', () => {
      const sent = () => resolve({ socket, closed, isOpen: () => open })
      if (data === '') sent()
      else socket.write(data, (error) => (error ? reject(error) : sent()))
    })
  })
}

const halfHeaders = `GET /health/live HTTP/1.1\r\nHost: ${POOL}\r\nAccept: application/json\r\nX-Slow: `
const halfBody =
  `POST /WebTicket/oauthtoken HTTP/1.1\r\nHost: ${POOL}\r\n` +
  'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\ngrant_type=password&user'

const portOf = (url: string) => Number(new URL(url).port)

describe('secrets in query strings', () => {
  let server: RunningServer
  let dir: string
  let base: string
  const lines: string[] = []

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-query-log-'))
    const config = parseConfig(topologyYaml(DEFAULT_LISTENERS), { file: 'test.yaml', env: {}, baseDir: dir })
    const logger = createLogger('trace', { write: (line: string) => void lines.push(line) })
    server = await start(config, { clock: new ManualClock(), hasher: TEST_HASHER, logger })
    base = server.listeners.find((l) => l.kind === 'internal')?.url ?? ''
  })
  after(async () => {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('logs the path of every request but no query value that could be a secret', async () => {
    const secrets = [
      'Qu3ry-Passw0rd',
      'cwt=QueryTokenAAAA',
      'AnotherSecretBBBB',
      'BareSecretCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC',
    ]
    const token = await signIn(base, POOL, 'alice@example.test', PASSWORDS.alice)
    const paths = [
      `/WebTicket/oauthtoken?username=alice%40example.test&password=${secrets[0]}`,
      `/Autodiscover/AutodiscoverService.svc/root/oauth/user?originalDomain=example.test&access_token=${encodeURIComponent(secrets[1] ?? '')}`,
      `/ucwa/oauth/v1/applications/1/events?ack=7&timeout=1&token=${secrets[2]}`,
      `/no/such/path?${secrets[3]}`,
    ]
    for (const path of paths) await request(base, path, { host: POOL, token })
    await request(base, paths[0] ?? '', {
      host: POOL,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password',
    })
    const text = lines.join('')
    // The capture works, and the paths and harmless values are there.
    assert.match(text, /incoming request/)
    assert.match(text, /\/WebTicket\/oauthtoken\?username=\[redacted\]&password=\[redacted\]/)
    assert.match(text, /root\/oauth\/user\?originalDomain=\[redacted\]&access_token=\[redacted\]/)
    assert.match(text, /\/events\?ack=7&timeout=1&token=\[redacted\]/)
    assert.match(text, /\/no\/such\/path\?\[redacted\]/)
    for (const secret of [...secrets, encodeURIComponent(secrets[1] ?? ''), 'QueryTokenAAAA']) {
      assert.ok(!text.includes(secret), `secret leaked into the log: ${secret}`)
    }
    assert.ok(!text.includes(token.slice('cwt='.length)), 'the bearer token leaked into the log')
  })
})

describe('requests Node’s HTTP parser refuses', () => {
  let t: TestServer
  let port: number

  before(async () => {
    t = await startTestServer()
    port = portOf(t.internal)
  })
  after(() => t.stop())

  it('answers an unknown method with a UCWA 400 and closes', async () => {
    assertRefusal(parse(await exchange(port, `FROB / HTTP/1.1\r\nHost: ${POOL}\r\n\r\n`)), 400, 'BadRequest')
  })

  it('answers a header block over the limit with a UCWA 431', async () => {
    const big = `GET /health/live HTTP/1.1\r\nHost: ${POOL}\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`
    assertRefusal(parse(await exchange(port, big)), 431, 'EntityTooLarge')
  })

  it('answers CONNECT with a UCWA 400 instead of dropping the connection', async () => {
    const res = parse(await exchange(port, `CONNECT ${POOL}:443 HTTP/1.1\r\nHost: ${POOL}:443\r\n\r\n`))
    assertRefusal(res, 400, 'BadRequest')
    assert.match(res.json.message, /CONNECT/)
  })

  it('answers malformed request lines and header blocks with a UCWA 400', async () => {
    for (const garbage of [
      'GET\r\n\r\n',
      'GET / HTTP/9.x\r\n\r\n',
      'GET /a b c HTTP/1.1\r\n\r\n',
      `GET / HTTP/1.1\r\nHost: ${POOL}\r\nBad Header Name: x\r\n\r\n`,
      `GET / HTTP/1.1\r\nHost: ${POOL}\r\nContent-Length: 12abc\r\n\r\n`,
      Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]), // a TLS hello
    ]) {
      assertRefusal(parse(await exchange(port, garbage)), 400, 'BadRequest')
    }
  })

  it('answers a malformed chunked body with a UCWA 400', async () => {
    for (const chunks of ['zz\r\nabc\r\n0\r\n\r\n', '3\r\nabcdef\r\n0\r\n\r\n']) {
      const res = await exchange(
        port,
        `POST /WebTicket/oauthtoken HTTP/1.1\r\nHost: ${POOL}\r\n` +
          'Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n' +
          chunks,
      )
      assertRefusal(parse(res), 400, 'BadRequest')
    }
  })

  it('answers an HTTP/1.1 request without Host with a UCWA 400; HTTP/1.0 needs none', async () => {
    const res = parse(await exchange(port, 'GET /health/live HTTP/1.1\r\nConnection: close\r\n\r\n'))
    assert.equal(res.status, 400, res.body)
    assert.equal(res.headers['content-type'], JSON_TYPE)
    assert.equal(res.json?.code, 'BadRequest')
    const old = parse(await exchange(port, 'GET /health/live HTTP/1.0\r\n\r\n'))
    assert.equal(old.status, 200, old.body)
  })

  it('still serves the next request normally', async () => {
    assert.equal((await request(t.internal, '/health/live', { host: POOL })).status, 200)
  })
})

describe('bodies a UCWA input cannot be', () => {
  let t: TestServer

  before(async () => {
    t = await startTestServer()
  })
  after(() => t.stop())

  it('refuses a null or non-object JSON body and keeps the note and the location', async () => {
    const alice = await signedInApp(t, 'alice')
    await availableAll(alice)
    assert.equal((await alice.post(`${alice.self}/me/note`, { message: 'Back at 3' })).status, 204)
    assert.equal((await alice.post(`${alice.self}/me/location`, { location: 'Building 5' })).status, 204)
    for (const [path, body] of [
      ['/me/note', 'null'],
      ['/me/note', ' null '],
      ['/me/location', 'null'],
      ['/me/note', '"Back at 4"'],
      ['/me/note', '[{"message":"Back at 4"}]'],
      ['/me/location', '7'],
    ] as const) {
      const res = await alice.send('POST', `${alice.self}${path}`, body)
      assert.equal(res.status, 400, `${path} ${body}: ${res.text}`)
      assert.equal(res.json.code, 'BadRequest')
      assert.equal(res.json.subcode, 'ParameterValidationFailure')
      assert.match(res.json.message, /must be a JSON object/)
    }
    assert.equal((await alice.get(`${alice.self}/me/note`)).json.message, 'Back at 3')
    assert.equal((await alice.get(`${alice.self}/me/location`)).json.location, 'Building 5')
  })

  it('refuses invalid UTF-8 in JSON, XML and form bodies and changes nothing', async () => {
    const alice = await signedInApp(t, 'alice', 'alice-utf8')
    await availableAll(alice)
    assert.equal((await alice.post(`${alice.self}/me/note`, { message: 'Café' })).status, 204)
    const latin1 = (text: string) => Buffer.from(text, 'latin1') // é as the single byte 0xE9
    for (const [type, body] of [
      ['application/json', latin1('{"message":"Caf\u00e9 au lait"}')],
      [
        'application/json',
        Buffer.concat([Buffer.from('{"message":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
      ],
      [
        'application/xml',
        latin1(
          '<input xmlns="http://schemas.microsoft.com/rtc/2012/03/ucwa"><property name="message">Caf\u00e9</property></input>',
        ),
      ],
      ['application/x-www-form-urlencoded', latin1('message=Caf\u00e9')],
      ['application/x-www-form-urlencoded', Buffer.from('message=Caf%E9')],
    ] as const) {
      const res = await request(t.internal, `${alice.self}/me/note`, {
        method: 'POST',
        host: HOME.alice,
        token: alice.token,
        headers: { 'content-type': type },
        body,
      })
      assert.equal(res.status, 400, `${type}: ${res.text}`)
      assert.equal(res.json.subcode, 'DeserializationFailure', res.text)
      assert.match(res.json.message, /UTF-8/)
    }
    assert.equal((await alice.get(`${alice.self}/me/note`)).json.message, 'Café')
    // Well-formed percent-escaped UTF-8 in a form is read as before.
    const form = await request(t.internal, `${alice.self}/me/note`, {
      method: 'POST',
      host: HOME.alice,
      token: alice.token,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'message=Caf%C3%A9+cr%C3%A8me',
    })
    assert.equal(form.status, 204, form.text)
    assert.equal((await alice.get(`${alice.self}/me/note`)).json.message, 'Café crème')
    // So is JSON after a UTF-8 byte order mark, which some stacks send.
    const bom = await request(t.internal, `${alice.self}/me/note`, {
      method: 'POST',
      host: HOME.alice,
      token: alice.token,
      headers: { 'content-type': 'application/json' },
      body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"message":"Thé"}')]),
    })
    assert.equal(bom.status, 204, bom.text)
    assert.equal((await alice.get(`${alice.self}/me/note`)).json.message, 'Thé')
  })

  it('refuses a token request with invalid UTF-8 in its form as invalid_request, not a wrong password', async () => {
    const boundary = 'x9f2'
    const multipart = (password: Buffer) =>
      Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\npassword\r\n` +
            `--${boundary}\r\nContent-Disposition: form-data; name="username"\r\n\r\nalice@example.test\r\n` +
            `--${boundary}\r\nContent-Disposition: form-data; name="password"\r\n\r\n`,
        ),
        password,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ])
    for (const [type, body] of [
      ['multipart/form-data; boundary=x9f2', multipart(Buffer.from([0x61, 0xff, 0x62]))],
      [
        'application/x-www-form-urlencoded',
        Buffer.from('grant_type=password&username=alice%40example.test&password=a%FFb'),
      ],
    ] as const) {
      const res = await request(t.internal, '/WebTicket/oauthtoken', {
        host: POOL,
        headers: { 'content-type': type },
        body,
      })
      assert.equal(res.status, 400, `${type}: ${res.text}`)
      assert.equal(res.json.error, 'invalid_request', res.text)
    }
    const good = await request(t.internal, '/WebTicket/oauthtoken', {
      host: POOL,
      headers: { 'content-type': 'multipart/form-data; boundary=x9f2' },
      body: multipart(Buffer.from(PASSWORDS.alice)),
    })
    assert.equal(good.status, 200, good.text)
  })

  it('refuses a text/plain message with invalid UTF-8; the conversation goes on', async () => {
    const alice = await signedInApp(t, 'alice', 'alice-im')
    const bob = await signedInApp(t, 'bob', 'bob-im')
    await availableAll(alice, bob)
    const [mine] = await connectIm(alice, bob)
    const bad = await request(t.internal, mine.sendMessage, {
      method: 'POST',
      host: HOME.alice,
      token: alice.token,
      headers: { 'content-type': 'text/plain' },
      body: Buffer.from([0x48, 0x69, 0x20, 0xff, 0xfe]),
    })
    assert.equal(bad.status, 400, bad.text)
    assert.equal(bad.json.subcode, 'DeserializationFailure')
    // The next message bob sees is the good one that follows: nothing of the refused one.
    const good = await say(mine, 'Hi there')
    assert.ok(good.status < 300, good.text)
    assert.deepEqual(texts(await next(bob)), ['Hi there'])
    // A declared charset the platform knows is honoured (é is 0xE9 in windows-1252).
    const declared = await request(t.internal, mine.sendMessage, {
      method: 'POST',
      host: HOME.alice,
      token: alice.token,
      headers: { 'content-type': 'text/plain; charset=windows-1252' },
      body: Buffer.from('Caf\u00e9', 'latin1'),
    })
    assert.ok(declared.status < 300, declared.text)
    assert.deepEqual(texts(await next(bob)), ['Café'])
  })
})

describe('slow clients', () => {
  it('serves a normal client while 240 connections stall mid-headers and mid-body', async () => {
    // Default timeouts (30 s for headers): the stalled connections certainly stay open meanwhile.
    const t = await startTestServer()
    try {
      const port = portOf(t.internal)
      const stalled = await Promise.all(
        Array.from({ length: 240 }, (_, i) => stall(port, i % 2 === 0 ? halfHeaders : halfBody)),
      )
      const token = await signIn(t.internal, POOL, 'alice@example.test', PASSWORDS.alice)
      const user = await request(t.internal, '/Autodiscover/AutodiscoverService.svc/root/oauth/user', {
        host: POOL,
        token,
      })
      assert.equal(user.status, 200, user.text)
      assert.equal(
        stalled.filter((s) => s.isOpen()).length,
        240,
        'the stalled connections were open meanwhile',
      )
      for (const s of stalled) s.socket.destroy()
    } finally {
      await t.stop()
    }
  })

  it('closes stalled requests with a UCWA 408 after the configured timeouts; parked P-GETs keep their hold', async () => {
    const t = await startTestServer({
      extra: 'http:\n  headersTimeoutSeconds: 1\n  requestTimeoutSeconds: 2\n',
    })
    try {
      const port = portOf(t.internal)
      const alice = await signedInApp(t, 'alice')
      await alice.events()
      // Held far longer than either timeout (and than the test): only an event answers it.
      const pget = alice.events(LONG_HOLD)
      await parked(t, alice.self)
      const headers = await Promise.all(Array.from({ length: 60 }, () => stall(port, halfHeaders)))
      const bodies = await Promise.all(Array.from({ length: 60 }, () => stall(port, halfBody)))
      const silent = await Promise.all(Array.from({ length: 4 }, () => stall(port, '')))
      for (const s of [...headers, ...bodies]) assertRefusal(parse(await s.closed), 408, 'Timeout')
      for (const s of silent) await s.closed
      // Every stalled request got its 408 after the timeouts; the P-GET is still held.
      assert.ok(t.server.channel.isWaiting(appIdOf(alice.self)), 'the P-GET outlived the timeouts')
      await available(alice)
      const batch = await pget
      assert.ok(batch.sender.length > 0, 'the P-GET was answered with the events it waited for')
      assert.ok(batch._links.next.href, 'and a next link')
      // A keep-alive client goes on as before.
      assert.equal((await alice.get(`${alice.self}/me`)).status, 200)
    } finally {
      await t.stop()
    }
  })
})
