// A policy change made on one node (the admin API's path: PolicyService on that node) tells every
// other node to re-read its policies at once, over the cluster bus — not when its 5-second copy
// ages out. A third bus on the same channel witnesses the invalidation; a client on node two then
// reads the change.
import assert from 'node:assert/strict'
import { tmpdir } from 'node:os'
import { after, before, describe, it } from 'node:test'
import { POLICIES_KEY } from '../../src/app/invalidation.ts'
import { RedisBus } from '../../src/bus/redis/redis-bus.ts'
import { parseConfig } from '../../src/config/load.ts'
import { type RunningServer, start } from '../../src/main.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { until } from '../helpers/cli.ts'
import { appIdOf } from '../helpers/pget.ts'
import {
  clusterConfig,
  DEFAULT_LISTENERS,
  ManualClock,
  PASSWORDS,
  signIn,
  TEST_HASHER,
  type TestServer,
  topologyYaml,
} from '../helpers/server.ts'
import { createDatabase, dropDatabase, REDIS_URL, servicesSkip } from '../helpers/services.ts'
import { eventsOf, openApp } from '../helpers/ucwa-client.ts'

const services = await servicesSkip(['postgres', 'redis'])

describe('policy changes across nodes', { skip: services.skip }, () => {
  let database: string
  let one: RunningServer
  let two: RunningServer
  let witness: RedisBus
  const heard: string[] = []

  before(async () => {
    services.assertReachable()
    database = await createDatabase()
    const cluster = clusterConfig(
      parseConfig(topologyYaml(DEFAULT_LISTENERS), { file: 'test.yaml', env: {}, baseDir: tmpdir() }),
      database,
    )
    // A slow sweep (recheck 300 s): the wake-up comes over the bus, or at worst the sweep.
    const redis = { url: REDIS_URL, channel: `parley:test:${database}`, recheckSeconds: 300 }
    const config = { ...cluster, bus: { redis } }
    const options = { hasher: TEST_HASHER, logger: createLogger('silent') }
    one = await start(config, { ...options, clock: new ManualClock(Date.now()) })
    two = await start(config, { ...options, clock: new ManualClock(Date.now()) })
    witness = new RedisBus({
      url: redis.url,
      channel: redis.channel,
      recheckMs: 300_000,
      pending: async () => [],
    })
    witness.onInvalidate((keys) => heard.push(...keys))
    await witness.start()
    await until(() => witness.status.type === 'connected')
  })
  after(async () => {
    await Promise.all([one?.stop(), two?.stop(), witness?.stop()])
    await dropDatabase(database)
  })

  it("a change on node one is announced to every node, and node two's clients read it", async () => {
    const t = { internal: two.url } as TestServer
    const token = await signIn(two.url, 'pool01.example.test', 'bob@example.test', PASSWORDS.bob)
    const bob = await openApp(t, 'bob', token, 'bob-on-node-two')
    await bob.events()
    assert.equal((await bob.get(`${bob.self}/policies`)).json.audioOnlyOnWifi, 'Disabled')
    // Node two caches the policies now; its clock stands still, so that copy never ages out.
    const parked = bob.events(180)
    await until(() => two.channel.isWaiting(appIdOf(bob.self)))
    await one.policies.set('mobility-policy', 'Global', { RequireWiFiForIPAudio: true }, 'test')
    assert.deepEqual(eventsOf(await parked), ['application:policies:updated'])
    await until(() => heard.includes(POLICIES_KEY), 'the policies invalidation')
    await until(async () => (await bob.get(`${bob.self}/policies`)).json.audioOnlyOnWifi === 'Enabled')
  })
})
