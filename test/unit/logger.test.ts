// The logger censors secrets wherever a logged object carries them, without touching the object.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { censorSecrets, createLogger } from '../../src/platform/logger.ts'

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
})
