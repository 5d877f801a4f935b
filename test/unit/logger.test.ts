// The logger censors secrets wherever a logged object carries them, without touching the object.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { censorSecrets, censorUrl, createLogger } from '../../src/platform/logger.ts'

function capture() {
  const lines: string[] = []
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) })
  return { logger, text: () => lines.join('') }
}

describe('logger', () => {
  it('censors passwords and tokens at any depth, in objects and arrays, and leaves the object as it was', () => {
    const { logger, text } = capture()
    const logged = {
      password: 'top-secret-1',
      user: { name: 'alice', password: 'nested-secret-2', device: { pushToken: 'push-secret-3' } },
      grants: [{ access_token: 'array-secret-4' }, { token: 'array-secret-5' }],
    }
    const before = structuredClone(logged)
    logger.child({ listener: 'internal:1' }).info(logged, 'sign-in')
    const line = text()
    for (const secret of [
      'top-secret-1',
      'nested-secret-2',
      'push-secret-3',
      'array-secret-4',
      'array-secret-5',
    ]) {
      assert.ok(!line.includes(secret), `${secret} leaked`)
    }
    const parsed = JSON.parse(line)
    assert.equal(parsed.user.name, 'alice', 'everything else is kept')
    assert.equal(parsed.user.password, '[redacted]')
    assert.equal(parsed.listener, 'internal:1', 'bindings are kept')
    assert.deepEqual(logged, before, 'the caller’s object is not changed')
  })

  it('redacts credential headers of logged requests', () => {
    const { logger, text } = capture()
    logger.info({ req: { headers: { authorization: 'Bearer header-secret', accept: 'application/json' } } })
    const parsed = JSON.parse(text())
    assert.equal(parsed.req.headers.authorization, '[redacted]')
    assert.equal(parsed.req.headers.accept, 'application/json')
  })

  it('returns what holds no secret as it is, and stops at cycles', () => {
    const plain = { a: 1, b: [{ c: 'x' }] }
    assert.equal(censorSecrets(plain), plain)
    const cyclic: Record<string, unknown> = { token: 't' }
    cyclic.self = cyclic
    const censored = censorSecrets(cyclic) as Record<string, unknown>
    assert.equal(censored.token, '[redacted]')
    const buffer = Buffer.from('token')
    assert.equal(censorSecrets(buffer), buffer, 'not a plain object: left to serializers')
  })

  it('keeps the path and the event channel’s numbers of a URL, and censors every other query value', () => {
    const cases: [string, string][] = [
      ['/ucwa/oauth/v1/applications/1/me', '/ucwa/oauth/v1/applications/1/me'],
      ['/x/events?ack=12&timeout=180&priority=1', '/x/events?ack=12&timeout=180&priority=1'],
      ['/x/events?Ack=3&low=5&medium=10', '/x/events?Ack=3&low=5&medium=10'],
      [
        '/WebTicket/oauthtoken?password=hunter2&username=alice',
        '/WebTicket/oauthtoken?password=[redacted]&username=[redacted]',
      ],
      ['/a?access_token=cwt%3DAAAA&ack=1', '/a?access_token=[redacted]&ack=1'],
      // A secret slipped into an allowed name, a bare token and an odd name are censored too.
      ['/a?ack=cwt%3DAAAA', '/a?ack=[redacted]'],
      ['/a?cwtAAAABBBBCCCC', '/a?[redacted]'],
      [`/a?${'n'.repeat(40)}=1`, '/a?[redacted]'],
      ['/a?%70assword=x', '/a?[redacted]'],
      ['/a?filter=active&&to=sip:bob@example.test', '/a?filter=active&&to=[redacted]'],
      ['/a?', '/a?'],
    ]
    for (const [url, logged] of cases) assert.equal(censorUrl(url), logged, url)
  })

  it('censors the query of a logged request, whether a framework request or a plain object', () => {
    const { logger, text } = capture()
    // A request object (not a plain one) is summarised: method, censored URL, host and peer.
    class FakeRequest {
      method = 'POST'
      url = '/WebTicket/oauthtoken?password=query-secret-6'
      host = 'pool01.example.test'
      ip = '10.0.0.1'
      socket = { remotePort: 5000 }
      headers = { authorization: 'Bearer header-secret-7' }
    }
    logger.info({ req: new FakeRequest() }, 'incoming request')
    logger.info({ req: { url: '/a?token=query-secret-8', method: 'GET' } })
    logger.info({ request: { url: '/b?password=query-secret-9' } }, 'nested')
    const line = text()
    for (const secret of ['query-secret-6', 'header-secret-7', 'query-secret-8', 'query-secret-9']) {
      assert.ok(!line.includes(secret), `${secret} leaked`)
    }
    const [first, second, third] = line
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    assert.deepEqual(first.req, {
      method: 'POST',
      url: '/WebTicket/oauthtoken?password=[redacted]',
      host: 'pool01.example.test',
      remoteAddress: '10.0.0.1',
      remotePort: 5000,
    })
    assert.deepEqual(second.req, { url: '/a?token=[redacted]', method: 'GET' })
    assert.equal(third.request.url, '/b?password=[redacted]')
  })
})
