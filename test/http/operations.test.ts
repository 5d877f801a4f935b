// Health probes, caching headers and shutdown: what load balancers and operators rely on.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import pkg from '../../package.json' with { type: 'json' }
import { createApplication, PASSWORDS, request, signIn, startTestServer } from '../helpers/server.ts'
import { CLUSTER } from '../helpers/services.ts'

// The cluster pass also reports its bus (an optional check: without it events come late).
const BUS = CLUSTER ? { bus: true } : {}

describe('operations', () => {
  it('answers liveness and readiness, and readiness fails when the store does', async () => {
    const t = await startTestServer()
    try {
      for (const base of [t.internal, t.external, t.discovery]) {
        const live = await request(base, '/health/live')
        assert.equal(live.status, 200)
        assert.deepEqual(live.json, { status: 'ok', version: pkg.version })
        const ready = await request(base, '/health/ready')
        assert.equal(ready.status, 200)
        assert.deepEqual(ready.json, { status: 'ok', version: pkg.version, checks: { store: true, ...BUS } })
      }
      await t.server.store.close()
      const down = await request(t.internal, '/health/ready')
      assert.equal(down.status, 503)
      assert.deepEqual(down.json, {
        status: 'unavailable',
        version: pkg.version,
        checks: { store: false, ...BUS },
      })
      assert.equal((await request(t.internal, '/health/live')).status, 200)
    } finally {
      await t.stop()
    }
  })

  it('marks negotiated responses with Vary so caches key on Accept and Accept-Encoding', async () => {
    const t = await startTestServer()
    try {
      const root = await request(t.internal, '/Autodiscover/AutodiscoverService.svc/root', {
        host: 'pool01.example.test',
        headers: { 'accept-encoding': 'gzip' },
      })
      assert.equal(root.headers.get('vary'), 'Accept, Accept-Encoding')
      const token = await signIn(t.internal, 'pool01.example.test', 'alice@example.test', PASSWORDS.alice)
      const app = await createApplication(t.internal, 'pool01.example.test', token)
      assert.equal(app.headers.get('vary'), 'Accept, Accept-Encoding')
    } finally {
      await t.stop()
    }
  })

  it('stops cleanly: listeners close, the store closes, a second stop is harmless', async () => {
    const t = await startTestServer()
    await t.server.stop()
    await t.server.stop()
    await assert.rejects(request(t.internal, '/health/live'), /ECONNREFUSED/)
    await t.stop()
  })
})
