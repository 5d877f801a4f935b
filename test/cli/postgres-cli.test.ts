// The real `parley` binary against PostgreSQL, configured as a cluster node is: a config file
// naming a SQLite path, overridden by PARLEY_POSTGRES_URL (docs/configuration.md). A policy and a
// user command write to PostgreSQL — a second CLI call and a server started on the same database
// read them back — and no SQLite file appears. With Redis, a change made with the CLI reaches a
// running node at once: a parked P-GET gets its `policies` event, a disabled user's token stops
// working on a node whose clock stands still (so only the CLI's invalidation can end it).
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { loadConfigFile } from '../../src/config/load.ts'
import { type RunningServer, start } from '../../src/main.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { exits, parley, until } from '../helpers/cli.ts'
import { appIdOf } from '../helpers/pget.ts'
import {
  DEFAULT_LISTENERS,
  ManualClock,
  PASSWORDS,
  request,
  signIn,
  TEST_HASHER,
  type TestServer,
  topologyYaml,
} from '../helpers/server.ts'
import { createDatabase, databaseUrl, dropDatabase, REDIS_URL, servicesSkip } from '../helpers/services.ts'
import { eventsOf, openApp } from '../helpers/ucwa-client.ts'

const services = await servicesSkip(['postgres', 'redis'])

describe('parley on PostgreSQL', { skip: services.skip }, () => {
  let dir: string
  let configPath: string
  let database: string
  let env: Record<string, string>
  const cli = (args: string[], stdin?: string) =>
    parley([...args, '--config', configPath], { env, ...(stdin === undefined ? {} : { stdin }) })

  before(async () => {
    services.assertReachable()
    dir = mkdtempSync(join(tmpdir(), 'parley-pg-cli-'))
    configPath = join(dir, 'parley.yaml')
    database = await createDatabase()
    env = { PARLEY_POSTGRES_URL: databaseUrl(database) }
    // A slow sweep (recheck 300 s, a sweep every 30 s): the P-GET is woken by the bus long before.
    const bus = `bus:\n  redis:\n    url: ${REDIS_URL}\n    channel: parley:test:${database}\n    recheckSeconds: 300\n`
    writeFileSync(configPath, topologyYaml(DEFAULT_LISTENERS, bus))
  })
  after(async () => {
    rmSync(dir, { recursive: true, force: true })
    await dropDatabase(database)
  })

  it('a policy and a user command write to PostgreSQL, read back by the CLI and a server', async () => {
    exits(await cli(['mobility-policy', 'new', 'Tag:NoVoip', 'EnableIPAudioVideo=false']), 0)
    exits(
      await cli(['user', 'add', 'dan@example.test', '--name', 'Dan', '--password-stdin'], 'dan-password-1'),
      0,
    )

    // Another process finds both: the user, and the policy it is granted.
    const granted = JSON.parse(
      exits(await cli(['mobility-policy', 'grant', 'dan@example.test', 'NoVoip', '--json']), 0).stdout,
    )
    assert.equal(granted.user, 'sip:dan@example.test')
    assert.equal(granted.mobility.source, 'Tag:NoVoip')

    const server = await start(loadConfigFile(configPath, env), {
      hasher: TEST_HASHER,
      logger: createLogger('silent'),
    })
    try {
      await signIn(server.url, 'pool01.example.test', 'dan@example.test', 'dan-password-1')
      const [view] = await server.policies.get('mobility-policy', { identity: 'Tag:NoVoip' })
      assert.equal(view?.settings.EnableIPAudioVideo, false)
      assert.equal(view?.assignedUsers, 1)
    } finally {
      await server.stop()
    }
    assert.deepEqual(readdirSync(dir), ['parley.yaml'], 'no SQLite file')
  })

  describe('with a node running', () => {
    let server: RunningServer
    let t: TestServer
    before(async () => {
      // The clock stands still: nothing this node caches ages out during the test.
      const clock = new ManualClock(Date.now())
      server = await start(loadConfigFile(configPath, env), {
        clock,
        hasher: TEST_HASHER,
        logger: createLogger('silent'),
      })
      t = { internal: server.url } as TestServer
    })
    after(() => server.stop())

    it('a policy change wakes the parked P-GET at once, as through the admin API', async () => {
      const token = await signIn(t.internal, 'pool01.example.test', 'bob@example.test', PASSWORDS.bob)
      const bob = await openApp(t, 'bob', token, 'bob-pg-cli')
      await bob.events()
      // Held far longer than the test may run: only an event ends it.
      const parked = bob.events(180)
      await until(() => server.channel.isWaiting(appIdOf(bob.self)))
      exits(await cli(['mobility-policy', 'new', 'Site:Redmond', 'RequireWiFiForIPAudio=true']), 0)
      assert.deepEqual(eventsOf(await parked), ['application:policies:updated'])
      await until(async () => (await bob.get(`${bob.self}/policies`)).json.audioOnlyOnWifi === 'Enabled')
    })

    it('a disabled user is refused at once by a node that cached their session', async () => {
      const token = await signIn(t.internal, 'pool01.example.test', 'alice@example.test', PASSWORDS.alice)
      const me = () =>
        request(t.internal, '/Autodiscover/AutodiscoverService.svc/root/oauth/user', {
          host: 'pool01.example.test',
          token,
        })
      assert.equal((await me()).status, 200)
      exits(await cli(['user', 'disable', 'alice@example.test']), 0)
      await until(async () => (await me()).status === 401)
    })
  })
})
