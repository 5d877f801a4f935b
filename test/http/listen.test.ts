// A listener named by host name binds every address the name resolves to, as Fastify does when it
// makes its own Node servers: `localhost` is 127.0.0.1 and ::1 on most machines, and a client may
// reach it on either. Runs where `localhost` resolves to both (skipped, saying so, elsewhere).
import assert from 'node:assert/strict'
import { lookup } from 'node:dns/promises'
import { after, before, describe, it } from 'node:test'
import { request, startTestServer, type TestServer } from '../helpers/server.ts'

const families = new Set((await lookup('localhost', { all: true })).map((a) => a.family))
const skip = families.size < 2 && 'localhost resolves to one address family on this machine'

describe('listening on a host name', { skip }, () => {
  let t: TestServer
  before(async () => {
    t = await startTestServer({
      listeners: `
  - address: localhost
    port: 0
    kind: internal
`,
    })
  })
  after(() => t?.stop())

  it('answers on every address localhost names', async () => {
    const port = new URL(t.internal).port
    for (const origin of [`http://127.0.0.1:${port}`, `http://[::1]:${port}`]) {
      const res = await request(origin, '/health/live')
      assert.equal(res.status, 200, origin)
    }
  })
})
