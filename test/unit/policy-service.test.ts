// New/Set/Get/Grant/Remove semantics (docs/admin-reference.md §1.3–1.5), the audit log and "bad input
// changes nothing", on the real SQLite store (in memory) through the policy service.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { LocalBus } from '../../src/bus/local/local-bus.ts'
import { parseConfig } from '../../src/config/load.ts'
import { EventChannel } from '../../src/domain/events/event-channel.ts'
import type { SipUri, UserId } from '../../src/domain/ids.ts'
import { PolicyError } from '../../src/domain/policies/policy-errors.ts'
import { PolicyService } from '../../src/domain/policies/policy-service.ts'
import type { Store } from '../../src/domain/ports.ts'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { DEFAULT_LISTENERS, ManualClock, topologyYaml } from '../helpers/server.ts'

let store: Store
let policies: PolicyService
const clock = new ManualClock()

before(async () => {
  const config = parseConfig(topologyYaml(DEFAULT_LISTENERS), { file: 't.yaml', env: {}, baseDir: '/tmp' })
  store = await openSqliteStore(':memory:')
  const channel = new EventChannel({ store, bus: new LocalBus(), clock })
  policies = new PolicyService({ store, channel, clock, topology: config.topology, cacheSeconds: 0 })
  const add = (id: string, uri: string, pool: string) =>
    store.users.insert(
      { id: id as UserId, sipUri: uri as SipUri, displayName: id, homePool: pool, passwordHash: null },
      clock.now(),
    )
  await add('alice', 'sip:alice@example.test', 'pool01.example.test')
  await add('bob', 'sip:bob@example.test', 'pool01.example.test')
  await add('carol', 'sip:carol@other.test', 'pool02.example.test')
})
after(() => store.close())

const source = async (user: string) => (await policies.effectiveFor(user)).mobility.source
const refuses = async (work: Promise<unknown>, reason: string, message?: RegExp) => {
  await assert.rejects(work, (e: unknown) => {
    assert.ok(e instanceof PolicyError, String(e))
    assert.equal(e.reason, reason, e.message)
    if (message) assert.match(e.message, message)
    return true
  })
}
/** Everything stored, to show a refused change left it all as it was. */
const state = async () => JSON.stringify([await store.policies.list(), await store.policies.assignments()])

describe('policy service', () => {
  it('Get lists Global (the defaults) even before anything is stored', async () => {
    const all = await policies.get('mobility-policy')
    assert.deepEqual(
      all.map((v) => v.identity),
      ['Global'],
    )
    assert.equal(all[0]?.settings.EnableMobility, true)
  })

  it('New creates site and per-user policies from the defaults; never Global, never twice', async () => {
    await policies.create('mobility-policy', 'site:redmond', { EnableOutsideVoice: 'false' }, 'test')
    const tag = await policies.create('mobility-policy', 'NoVoip', { EnableIPAudioVideo: false }, 'test')
    assert.equal(tag.identity, 'Tag:NoVoip')
    assert.equal(tag.settings.EnableMobility, true)
    await refuses(policies.create('mobility-policy', 'Global', {}, 'test'), 'invalid', /Global always exists/)
    await refuses(policies.create('mobility-policy', 'Site:Redmond', {}, 'test'), 'exists')
    await refuses(
      policies.create('mobility-policy', 'Site:Paris', {}, 'test'),
      'invalid',
      /not in the topology/,
    )
    await refuses(
      policies.create('mobility-policy', 'Service:WebServer:pool01.example.test', {}, 'test'),
      'invalid',
      /cannot have identity/,
    )
    assert.deepEqual(
      (await policies.get('mobility-policy')).map((v) => v.identity),
      ['Global', 'Site:Redmond', 'Tag:NoVoip'],
    )
  })

  it('a site policy applies to the users homed there at once; others keep Global', async () => {
    assert.equal(await source('alice@example.test'), 'Site:Redmond')
    assert.equal(await source('carol@other.test'), 'Global')
  })

  it('Grant takes a tag name (tag: tolerated); none unassigns; site and global are never granted', async () => {
    const granted = await policies.grant('alice@example.test', 'tag:novoip', 'test')
    assert.equal(granted.granted, 'NoVoip')
    assert.equal(granted.mobility.source, 'Tag:NoVoip')
    await refuses(policies.grant('alice@example.test', 'Site:Redmond', 'test'), 'invalid', /only per-user/)
    await refuses(policies.grant('alice@example.test', 'Missing', 'test'), 'not-found')
    await refuses(policies.grant('nobody@example.test', 'NoVoip', 'test'), 'not-found', /no user/)
    await policies.grant('bob@example.test', 'NoVoip', 'test')
    const none = await policies.grant('bob@example.test', null, 'test')
    assert.equal(none.granted, null)
    assert.equal(none.mobility.source, 'Site:Redmond')
  })

  it('Get --filter and the grant count', async () => {
    const tags = await policies.get('mobility-policy', { filter: 'tag:*' })
    assert.deepEqual(
      tags.map((v) => [v.identity, v.assignedUsers]),
      [['Tag:NoVoip', 1]],
    )
    await refuses(policies.get('mobility-policy', { identity: 'Tag:Other' }), 'not-found')
  })

  it('Set changes only the given parameters; unknown parameters and type errors change nothing', async () => {
    const changed = await policies.set(
      'mobility-policy',
      'Tag:NoVoip',
      { RequireWiFiForSharing: true },
      'test',
    )
    assert.equal(changed.settings.RequireWiFiForSharing, true)
    assert.equal(changed.settings.EnableIPAudioVideo, false)
    const before = await state()
    await refuses(
      policies.set('mobility-policy', 'Tag:NoVoip', { EnableMobility: 'maybe' }, 'test'),
      'invalid',
    )
    await refuses(
      policies.set('mobility-policy', 'Tag:NoVoip', { Nonsense: true }, 'test'),
      'invalid',
      /unknown parameter/,
    )
    await refuses(
      policies.set('mobility-policy', 'Tag:Missing', { EnableMobility: false }, 'test'),
      'not-found',
    )
    await refuses(
      policies.set('mcx-config', 'Global', { SessionExpirationInterval: 3600 }, 'test'),
      'invalid',
      /greater than SessionShortExpirationInterval/,
    )
    assert.equal(await state(), before)
  })

  it('Remove of a granted per-user policy needs force; the users fall back to their site', async () => {
    const before = await state()
    await refuses(policies.remove('mobility-policy', 'Tag:NoVoip', false, 'test'), 'assigned', /--force/)
    assert.equal(await state(), before)
    assert.equal(await policies.remove('mobility-policy', 'Tag:NoVoip', true, 'test'), null)
    const alice = await policies.effectiveFor('alice@example.test')
    assert.equal(alice.granted, null)
    assert.equal(alice.mobility.source, 'Site:Redmond')
  })

  it('Remove of a site policy falls back to Global; Remove Global resets it to the defaults', async () => {
    await policies.remove('mobility-policy', 'Site:Redmond', false, 'test')
    assert.equal(await source('alice@example.test'), 'Global')
    await policies.set('mobility-policy', undefined, { EnableOutsideVoice: false }, 'test')
    assert.equal(
      (await policies.effectiveFor('alice@example.test')).mobility.settings.EnableOutsideVoice,
      false,
    )
    const reset = await policies.remove('mobility-policy', 'global', false, 'test')
    assert.equal(reset?.settings.EnableOutsideVoice, true)
    await refuses(policies.remove('mobility-policy', 'Site:Redmond', false, 'test'), 'not-found')
  })

  it('Mcx at web-server scope and push at site scope (New only at site scope)', async () => {
    await policies.create(
      'mcx-config',
      'Service:WebServer:POOL02.example.test',
      { ExposedWebURL: 'internal' },
      'test',
    )
    assert.equal(
      (await policies.effectiveFor('carol@other.test')).mcx.source,
      'Service:WebServer:pool02.example.test',
    )
    await refuses(
      policies.create('mcx-config', 'Service:WebServer:nowhere.example.test', {}, 'test'),
      'invalid',
    )
    await refuses(policies.create('push-config', 'Tag:X', {}, 'test'), 'invalid')
    await policies.create('push-config', 'Site:Dublin', { EnableApplePushNotificationService: true }, 'test')
    const carol = await policies.effectiveFor('carol@other.test')
    assert.equal(carol.push.source, 'Site:Dublin')
    assert.equal(carol.push.settings.EnableApplePushNotificationService, true)
    const user = await store.users.findBySipUri('sip:carol@other.test' as SipUri)
    assert.ok(user)
    assert.equal((await policies.pushOf(user)).EnableApplePushNotificationService, true)
    assert.equal((await policies.mcxOf('pool02.example.test')).ExposedWebURL, 'Internal')
  })

  it('every change is in the append-only audit log with before and after', async () => {
    const log = await policies.audit({ limit: 100 })
    assert.ok(log.length >= 10)
    const grant = log.find(
      (e) => e.action === 'mobility-policy.grant' && e.target === 'sip:alice@example.test',
    )
    assert.deepEqual(grant?.before, { policy: null })
    assert.deepEqual(grant?.after, { policy: 'NoVoip' })
    assert.ok(log.every((e) => e.actor === 'test'))
    // Newest first, paged by seq.
    const older = await policies.audit({ limit: 2, beforeSeq: log[0]?.seq })
    assert.deepEqual(
      older.map((e) => e.seq),
      log.slice(1, 3).map((e) => e.seq),
    )
  })
})
