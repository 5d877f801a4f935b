// A node's few-seconds copy of an application must never refuse what the store already allows.
// Two nodes share PostgreSQL with no cluster bus and clocks that stand still, so node two's copy
// never ages out and no announcement ever reaches it: the worst case of the moment between a
// change on one node and its announcement reaching the others (test/cluster/multi-node.test.ts
// races the same through Redis).
import assert from 'node:assert/strict'
import { tmpdir } from 'node:os'
import { after, before, describe, it } from 'node:test'
import { parseConfig } from '../../src/config/load.ts'
import { type RunningServer, start } from '../../src/main.ts'
import { createLogger } from '../../src/platform/logger.ts'
import {
  clusterConfig,
  DEFAULT_LISTENERS,
  ManualClock,
  PASSWORDS,
  request,
  signIn,
  TEST_HASHER,
  topologyYaml,
} from '../helpers/server.ts'
import { createDatabase, dropDatabase, servicesSkip } from '../helpers/services.ts'
import { HOME } from '../helpers/ucwa-client.ts'

const services = await servicesSkip(['postgres'])

describe('a node with a stale copy of an application', { skip: services.skip }, () => {
  let database: string
  let one: RunningServer
  let two: RunningServer

  before(async () => {
    services.assertReachable()
    database = await createDatabase()
    const parsed = parseConfig(topologyYaml(DEFAULT_LISTENERS), {
      file: 'test.yaml',
      env: {},
      baseDir: tmpdir(),
    })
    const config = { ...clusterConfig(parsed, database), bus: { redis: undefined } }
    const options = { hasher: TEST_HASHER, logger: createLogger('silent') }
    one = await start(config, { ...options, clock: new ManualClock(Date.now()) })
    two = await start(config, { ...options, clock: new ManualClock(Date.now()) })
  })
  after(async () => {
    await Promise.all([one?.stop(), two?.stop()])
    await dropDatabase(database)
  })

  it('serves me/presence, note, location and a PUT right after a change through another node', async () => {
    const host = HOME.alice
    const token = await signIn(one.url, host, 'alice@example.test', PASSWORDS.alice)
    const json = { 'content-type': 'application/json' }
    const created = await request(one.url, '/ucwa/oauth/v1/applications', {
      host,
      token,
      headers: json,
      body: JSON.stringify({ UserAgent: 'test/1.0', EndpointId: 'stale-copy', Culture: 'en-US' }),
    })
    assert.equal(created.status, 201, created.text)
    const self: string = created.json._links.self.href
    // Node two reads the application before makeMeAvailable: its copy says "not available".
    assert.equal((await request(two.url, `${self}/me/presence`, { host, token })).status, 409)
    const made = await request(one.url, `${self}/me/makeMeAvailable`, {
      host,
      token,
      headers: json,
      body: '{}',
    })
    assert.equal(made.status, 204, made.text)
    for (const resource of ['presence', 'note', 'location']) {
      const res = await request(two.url, `${self}/me/${resource}`, { host, token })
      assert.equal(res.status, 200, `${resource}: ${res.text}`)
    }
    const note = await request(two.url, `${self}/me/note`, {
      host,
      token,
      headers: json,
      body: JSON.stringify({ message: 'set through node two' }),
    })
    assert.equal(note.status, 204, note.text)

    // PUT communication on node one, then again on node two with the ETag node one answered.
    const communication = async (url: string) =>
      (await request(url, `${self}/communication`, { host, token })).json
    const put = async (url: string, etag: string, body: Record<string, unknown>) =>
      request(url, `${self}/communication`, {
        host,
        token,
        method: 'PUT',
        headers: { ...json, 'if-match': etag },
        body: JSON.stringify(body),
      })
    const seen = await communication(two.url) // node two's copy: before the first PUT
    const first = await put(one.url, `"${seen.etag}"`, { ...seen, conversationHistory: 'Enabled' })
    assert.equal(first.status, 204, first.text)
    const etag = first.headers.get('etag') ?? ''
    const second = await put(two.url, etag, { ...seen, conversationHistory: 'Disabled' })
    assert.equal(second.status, 204, `node two refused the ETag node one gave: ${second.text}`)
    // The first PUT's ETag is stale now (the second PUT changed the resource): still refused.
    const stale = await put(two.url, etag, { ...seen, conversationHistory: 'Enabled' })
    assert.equal(stale.status, 412, 'an ETag that is really stale is still refused')
  })
})
