// The policy commands on a real store: the verbs (new/set/get/grant/remove), Mcx and push
// configuration, effective policy, admins, the audit log, --json, exit codes and errors; and a
// change made with the CLI reaching a client signed in to a running server. The commands run
// in-process (helpers/cli.ts); postgres-cli.test.ts runs the binary against PostgreSQL.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { loadConfigFile } from '../../src/config/load.ts'
import { type RunningServer, start } from '../../src/main.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { cli, exits, until } from '../helpers/cli.ts'
import { DEFAULT_LISTENERS, PASSWORDS, signIn, TEST_HASHER, topologyYaml } from '../helpers/server.ts'
import { eventsOf, openApp } from '../helpers/ucwa-client.ts'

let dir: string
let configPath: string
const run = (...args: string[]) => cli([...args, '--config', configPath])

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-policy-cli-'))
  configPath = join(dir, 'parley.yaml')
  writeFileSync(configPath, topologyYaml(DEFAULT_LISTENERS))
  // The config's users are created by the first start.
  const server = await start(loadConfigFile(configPath, {}), {
    hasher: TEST_HASHER,
    logger: createLogger('silent'),
  })
  await server.stop()
})
after(() => rmSync(dir, { recursive: true, force: true }))

describe('parley mobility-policy', () => {
  it('get shows Global with the defaults, as Format-List would', async () => {
    const r = exits(await run('mobility-policy', 'get'), 0)
    assert.match(r.stdout, /^Identity +: Global$/m)
    assert.match(r.stdout, /^EnableMobility +: True$/m)
    assert.match(r.stdout, /^RequireWiFiForIPAudio +: False$/m)
    assert.equal(r.stderr, '')
  })

  it('new, set and get --filter with --json', async () => {
    exits(await run('mobility-policy', 'new', 'site:redmond', 'EnableOutsideVoice=$false'), 0)
    const tag = JSON.parse(
      exits(await run('mobility-policy', 'new', 'NoVoip', 'EnableIPAudioVideo=false', '--json'), 0).stdout,
    )
    assert.equal(tag.identity, 'Tag:NoVoip')
    assert.equal(tag.settings.EnableIPAudioVideo, false)
    const set = exits(await run('mobility-policy', 'set', 'Tag:NoVoip', 'Description=no VoIP on phones'), 0)
    assert.match(set.stdout, /^Description +: no VoIP on phones$/m)
    // Without an identity, set changes Global.
    exits(await run('mobility-policy', 'set', 'RequireWiFiForSharing=true'), 0)
    const sites = JSON.parse(
      exits(await run('mobility-policy', 'get', '--filter', 'site:*', '--json'), 0).stdout,
    )
    assert.deepEqual(
      sites.map((v: any) => v.identity),
      ['Site:Redmond'],
    )
  })

  it('grant (tag: tolerated, none unassigns) and user effective-policy', async () => {
    exits(await run('mobility-policy', 'grant', 'alice@example.test', '--policy', 'tag:NoVoip'), 0)
    const effective = JSON.parse(
      exits(await run('user', 'effective-policy', 'alice@example.test', '--json'), 0).stdout,
    )
    assert.equal(effective.mobility.source, 'Tag:NoVoip')
    assert.equal(effective.clientPolicies.telephonyMode, 'PhoneAudio')
    const bob = exits(await run('user', 'effective-policy', 'bob@example.test'), 0)
    assert.match(bob.stdout, /^Mobility policy: Site:Redmond$/m)
    assert.match(bob.stdout, /^Granted +: <Automatic>$/m)
    exits(await run('mobility-policy', 'grant', 'bob@example.test', 'NoVoip'), 0)
    const none = exits(await run('mobility-policy', 'grant', 'bob@example.test', '--policy', 'none'), 0)
    assert.match(none.stdout, /^Mobility policy: Site:Redmond$/m)
  })

  it('remove needs --force while granted; remove Global resets it', async () => {
    const refused = exits(await run('mobility-policy', 'remove', 'Tag:NoVoip'), 1)
    assert.match(refused.stderr, /granted to 1 user\(s\).*--force/)
    exits(await run('mobility-policy', 'get', 'Tag:NoVoip'), 0)
    exits(await run('mobility-policy', 'remove', 'Tag:NoVoip', '--force'), 0)
    exits(await run('mobility-policy', 'get', 'Tag:NoVoip'), 1)
    const reset = exits(await run('mobility-policy', 'remove', 'global'), 0)
    assert.match(reset.stdout, /^Reset to the defaults Global\.$/m)
    assert.match(reset.stdout, /^RequireWiFiForSharing +: False$/m)
  })

  it('bad input: a clear message, exit 1 (or 2 for usage), nothing changed', async () => {
    const before = exits(await run('mobility-policy', 'get', '--json'), 0).stdout
    const cases: [string[], number, RegExp][] = [
      [['mobility-policy', 'new', 'Global'], 1, /Global always exists/],
      [['mobility-policy', 'new', 'Site:Atlantis'], 1, /site "Atlantis" is not in the topology/],
      [['mobility-policy', 'new', 'Tag:X', 'Colour=blue'], 1, /Colour: unknown parameter/],
      [
        ['mobility-policy', 'new', 'Tag:X', 'EnableMobility=perhaps'],
        1,
        /EnableMobility: must be true or false/,
      ],
      [['mobility-policy', 'set', 'Tag:Nope', 'EnableMobility=false'], 1, /no mobility-policy Tag:Nope/],
      [['mobility-policy', 'grant', 'alice@example.test', 'Site:Redmond'], 1, /only per-user/],
      [['mobility-policy', 'grant', 'zed@example.test', 'none'], 1, /no user sip:zed@example.test/],
      [['mobility-policy', 'set', 'Tag:X', 'EnableMobility'], 2, /not Parameter=Value/],
      [['mobility-policy', 'frobnicate'], 2, /unknown mobility-policy verb/],
      [['mobility-policy', 'grant', 'bob@example.test', 'X', '--policy', 'Y'], 2, /give the policy once/],
      [
        ['mobility-policy', 'set', '--policy', 'X', 'EnableMobility=false'],
        2,
        /--policy applies to grant only/,
      ],
      [['mobility-policy', 'get', '--force'], 2, /--force applies to remove only/],
      [['mcx-config', 'grant', 'alice@example.test', 'X'], 2, /no per-user assignment/],
    ]
    for (const [args, code, message] of cases) {
      const r = exits(await run(...args), code)
      assert.match(r.stderr, message, args.join(' '))
      assert.equal(r.stdout, '', args.join(' '))
    }
    assert.equal(exits(await run('mobility-policy', 'get', '--json'), 0).stdout, before)
  })

  it('parameters lists every parameter and says which are not enforced', async () => {
    const r = exits(await run('mobility-policy', 'parameters'), 0)
    assert.match(r.stdout, /^EncryptAppData .*\(not enforced\)/m)
    assert.match(r.stdout, /^EnableMobility .*default True/m)
  })
})

describe('parley mcx-config and push-config', () => {
  it('Mcx at site and web-server scope, with its validation rules', async () => {
    exits(await run('mcx-config', 'new', 'Site:Redmond', 'ExposedWebURL=Internal'), 0)
    const short = exits(await run('mcx-config', 'set', 'SessionShortExpirationInterval=300000'), 1)
    assert.match(short.stderr, /greater than SessionShortExpirationInterval/)
    exits(
      await run(
        'mcx-config',
        'new',
        'Service:WebServer:pool01.example.test',
        'SessionExpirationInterval=7200',
      ),
      0,
    )
    const all = JSON.parse(exits(await run('mcx-config', 'get', '--json'), 0).stdout)
    assert.deepEqual(
      all.map((v: any) => v.identity),
      ['Global', 'Site:Redmond', 'Service:WebServer:pool01.example.test'],
    )
    exits(await run('mcx-config', 'remove', 'Service:WebServer:pool01.example.test'), 0)
  })

  it('push at site scope only (New), all providers off by default', async () => {
    exits(await run('push-config', 'new', 'Global'), 1)
    exits(
      await run(
        'push-config',
        'new',
        'Site:Dublin',
        'EnableApplePushNotificationService=true',
        'EnableWebPush=true',
      ),
      0,
    )
    const carol = JSON.parse(
      exits(await run('user', 'effective-policy', 'carol@other.test', '--json'), 0).stdout,
    )
    assert.equal(carol.push.source, 'Site:Dublin')
    assert.equal(carol.push.settings.EnableWebPush, true)
    assert.equal(carol.push.settings.EnableFirebaseCloudMessaging, false)
  })
})

describe('parley admin and parley audit', () => {
  it('admin add / list / remove', async () => {
    exits(await run('admin', 'add', 'alice@example.test'), 0)
    assert.deepEqual(JSON.parse(exits(await run('admin', 'list', '--json'), 0).stdout), [
      'sip:alice@example.test',
    ])
    exits(await run('admin', 'remove', 'alice@example.test'), 0)
    assert.equal(exits(await run('admin', 'list'), 0).stdout, 'No admins.\n')
    assert.match(exits(await run('admin', 'add', 'zed@example.test'), 1).stderr, /no user/)
  })

  it('audit shows who changed what, newest first', async () => {
    const log = JSON.parse(exits(await run('audit', '--limit', '3', '--json'), 0).stdout)
    assert.equal(log.length, 3)
    assert.equal(log[0].action, 'admin.remove')
    assert.match(log[0].actor, /^cli:/)
    assert.ok(log[0].seq > log[1].seq)
    const text = exits(await run('audit', '--limit', '1'), 0).stdout
    assert.match(text, /^#\d+ \S+Z cli:\S+ admin\.remove sip:alice@example\.test$/m)
    exits(await run('audit', '--limit', 'lots'), 2)
  })
})

describe('a CLI change and a running server', () => {
  let server: RunningServer
  before(async () => {
    server = await start(loadConfigFile(configPath, {}), {
      hasher: TEST_HASHER,
      logger: createLogger('silent'),
    })
  })
  after(() => server.stop())

  it("reaches the signed-in client's event channel and its policies resource without re-sign-in", async () => {
    const base = server.listeners.find((l) => l.kind === 'internal')?.url ?? ''
    const t = { internal: base } as Parameters<typeof openApp>[0]
    const token = await signIn(base, 'pool01.example.test', 'bob@example.test', PASSWORDS.bob)
    const bob = await openApp(t, 'bob', token, 'bob-cli')
    await bob.events()
    exits(await run('mobility-policy', 'set', 'Site:Redmond', 'RequireWiFiForIPAudio=true'), 0)
    // The event is in the store; the client's next poll gets it.
    assert.deepEqual(eventsOf(await bob.events()), ['application:policies:updated'])
    // Without a cluster bus the server re-reads the policies on its own (every 5 seconds).
    await until(
      async () => (await bob.get(`${bob.self}/policies`)).json.audioOnlyOnWifi === 'Enabled',
      "the server's re-read of the policies",
    )
  })
})
