// A server's periodic jobs (src/app/jobs.ts, docs/operations.md "Periodic jobs") run by hand: test
// servers start with the timers off, so what changes with time alone waits for runJobs.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { signedInApp } from '../helpers/ucwa-client.ts'

const MIN = 60_000

describe('periodic jobs on a running server', () => {
  let t: TestServer
  before(async () => {
    t = await startTestServer()
  })
  after(() => t.stop())

  it('an idle endpoint turns IdleOnline only when the presence tick runs', async () => {
    const bob = await signedInApp(t, 'bob')
    assert.equal((await bob.post(`${bob.self}/me/makeMeAvailable`, {})).status, 204)
    const availability = async () => (await bob.get(`${bob.self}/me/presence`)).json.availability
    assert.equal(await availability(), 'Online')
    t.clock.advance(6 * MIN)
    // Reading presence recomputes nothing: the tick does.
    assert.equal(await availability(), 'Online')
    await t.server.runJobs(['presence.tick'])
    assert.equal(await availability(), 'IdleOnline')
  })

  it('runs the whole table, and refuses a job it does not have', async () => {
    await t.server.runJobs()
    await assert.rejects(t.server.runJobs(['presence.tock']), /no periodic job "presence\.tock"/)
  })
})
