// The deployment as Autodiscover sees it: which pool a Host header selects, and the origins
// clients are sent to.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseConfig } from '../../src/config/load.ts'
import { type Pool, type SipDomain, Topology } from '../../src/domain/topology/topology.ts'
import { DEFAULT_LISTENERS, topologyYaml } from '../helpers/server.ts'

function pool(fqdn: string, overrides: Partial<Pool> = {}): Pool {
  const name = fqdn.split('.')[0]
  const rest = fqdn.slice(fqdn.indexOf('.'))
  return {
    fqdn,
    site: 'Redmond',
    role: 'frontend',
    internalWebFqdn: `${name}int${rest}`,
    externalWebFqdn: `${name}ext${rest}`,
    originOverrides: {},
    ...overrides,
  }
}

const DIR = pool('dir01.contoso.com', { role: 'director' })
const POOL01 = pool('pool01.contoso.com', {
  internalWebFqdn: 'pool01.contoso.com',
  externalWebFqdn: 'webext.contoso.com',
})
const POOL02 = pool('pool02.contoso.com', { site: 'Dublin' })
const FAB = pool('fe01.fabrikam.org')

const DOMAINS: SipDomain[] = [
  { name: 'contoso.com', isDefault: true, discoveryPool: DIR.fqdn },
  { name: 'fabrikam.org', isDefault: false, discoveryPool: FAB.fqdn },
  { name: 'litware.net', isDefault: false, discoveryPool: POOL02.fqdn },
]

const topology = () => new Topology(DOMAINS, [DIR, POOL01, POOL02, FAB])

describe('Topology', () => {
  it('needs a default SIP domain', () => {
    assert.throws(
      () => new Topology([{ name: 'contoso.com', isDefault: false, discoveryPool: POOL01.fqdn }], [POOL01]),
      /default SIP domain/,
    )
  })

  it('exposes the default domain, pools and domains by name (case-insensitive)', () => {
    const t = topology()
    assert.equal(t.defaultDomain.name, 'contoso.com')
    assert.equal(t.pool('POOL02.Contoso.com'), POOL02)
    assert.equal(t.pool('nope.contoso.com'), undefined)
    assert.equal(t.domain('Fabrikam.ORG')?.discoveryPool, FAB.fqdn)
    assert.equal(t.domain('example.test'), undefined)
  })

  describe('matchHost', () => {
    const t = topology()

    it('selects a pool by its pool FQDN', () => {
      assert.deepEqual(t.matchHost('pool02.contoso.com'), {
        pool: POOL02,
        discoveryDomain: undefined,
        viaDiscoveryName: false,
        namesPool: true,
      })
      assert.equal(t.matchHost('dir01.contoso.com').pool, DIR)
    })

    it('selects a pool by its internal and external web FQDNs', () => {
      assert.equal(t.matchHost('pool02int.contoso.com').pool, POOL02)
      assert.equal(t.matchHost('pool02ext.contoso.com').pool, POOL02)
      assert.equal(t.matchHost('webext.contoso.com').pool, POOL01)
      assert.equal(t.matchHost('pool01.contoso.com').pool, POOL01)
      assert.equal(t.matchHost('webext.contoso.com').viaDiscoveryName, false)
    })

    it('ignores the case of the Host header', () => {
      assert.equal(t.matchHost('WebExt.Contoso.COM').pool, POOL01)
      assert.equal(t.matchHost('LyncDiscover.Fabrikam.org').pool, FAB)
    })

    it('sends lyncdiscover.<domain> and lyncdiscoverinternal.<domain> to the domain’s discovery pool', () => {
      assert.deepEqual(t.matchHost('lyncdiscover.contoso.com'), {
        pool: DIR,
        discoveryDomain: 'contoso.com',
        viaDiscoveryName: true,
        namesPool: false,
      })
      assert.deepEqual(t.matchHost('lyncdiscoverinternal.contoso.com'), {
        pool: DIR,
        discoveryDomain: 'contoso.com',
        viaDiscoveryName: true,
        namesPool: false,
      })
      assert.deepEqual(t.matchHost('lyncdiscover.fabrikam.org'), {
        pool: FAB,
        discoveryDomain: 'fabrikam.org',
        viaDiscoveryName: true,
        namesPool: false,
      })
      assert.equal(t.matchHost('lyncdiscoverinternal.litware.net').pool, POOL02)
    })

    it('answers lyncdiscover for an unknown domain from the default domain’s discovery pool', () => {
      assert.deepEqual(t.matchHost('lyncdiscover.unknown.test'), {
        pool: DIR,
        discoveryDomain: 'unknown.test',
        viaDiscoveryName: true,
        namesPool: false,
      })
    })

    it('sends any other host to the default domain’s discovery pool', () => {
      for (const host of [
        '127.0.0.1',
        '[::1]',
        'localhost',
        'proxy.contoso.com',
        'lyncdiscover',
        'contoso.com',
      ]) {
        assert.deepEqual(
          t.matchHost(host),
          { pool: DIR, discoveryDomain: undefined, viaDiscoveryName: false, namesPool: false },
          host,
        )
      }
    })
  })

  describe('discoveryPoolFor', () => {
    const t = topology()

    it('returns the domain’s discovery pool', () => {
      assert.equal(t.discoveryPoolFor('contoso.com'), DIR)
      assert.equal(t.discoveryPoolFor('FABRIKAM.org'), FAB)
      assert.equal(t.discoveryPoolFor('litware.net'), POOL02)
    })

    it('falls back to the default domain’s for unknown or missing domains', () => {
      assert.equal(t.discoveryPoolFor('unknown.test'), DIR)
      assert.equal(t.discoveryPoolFor(undefined), DIR)
      assert.equal(t.discoveryPoolFor(''), DIR)
    })

    it('throws when a discovery pool is missing from the topology (a wiring bug)', () => {
      const broken = new Topology(
        [{ name: 'contoso.com', isDefault: true, discoveryPool: 'ghost.contoso.com' }],
        [POOL01],
      )
      assert.throws(() => broken.discoveryPoolFor(undefined), /ghost\.contoso\.com/)
    })
  })

  describe('origin', () => {
    it('assumes https on 443 before listeners are bound: no port in the URL', () => {
      const t = topology()
      assert.equal(t.hasPublicEndpoint('Internal'), false)
      assert.equal(t.origin(POOL01, 'Internal'), 'https://pool01.contoso.com')
      assert.equal(t.origin(POOL01, 'External'), 'https://webext.contoso.com')
      assert.equal(t.origin(POOL02, 'Internal'), 'https://pool02int.contoso.com')
      assert.equal(t.origin(POOL02, 'External'), 'https://pool02ext.contoso.com')
    })

    it('uses the published scheme and port, with the port when it is not the standard one', () => {
      const t = topology()
      t.setPublicEndpoint('Internal', { scheme: 'http', port: 8080 })
      assert.equal(t.hasPublicEndpoint('Internal'), true)
      assert.equal(t.hasPublicEndpoint('External'), false)
      assert.equal(t.origin(POOL01, 'Internal'), 'http://pool01.contoso.com:8080')
      // The external side is unchanged.
      assert.equal(t.origin(POOL01, 'External'), 'https://webext.contoso.com')

      t.setPublicEndpoint('External', { scheme: 'https', port: 443 })
      assert.equal(t.origin(POOL01, 'External'), 'https://webext.contoso.com')
      t.setPublicEndpoint('External', { scheme: 'https', port: 4443 })
      assert.equal(t.origin(POOL01, 'External'), 'https://webext.contoso.com:4443')
      t.setPublicEndpoint('External', { scheme: 'http', port: 80 })
      assert.equal(t.origin(POOL01, 'External'), 'http://webext.contoso.com')
      // 443 is only standard for https, 80 only for http.
      t.setPublicEndpoint('External', { scheme: 'http', port: 443 })
      assert.equal(t.origin(POOL01, 'External'), 'http://webext.contoso.com:443')
      t.setPublicEndpoint('External', { scheme: 'https', port: 80 })
      assert.equal(t.origin(POOL01, 'External'), 'https://webext.contoso.com:80')
    })

    it('prefers a pool’s origin override for that access location only', () => {
      const t = new Topology(DOMAINS, [
        DIR,
        { ...POOL01, originOverrides: { External: 'https://proxy.contoso.com:8443' } },
        POOL02,
        FAB,
      ])
      t.setPublicEndpoint('Internal', { scheme: 'http', port: 8080 })
      t.setPublicEndpoint('External', { scheme: 'http', port: 8081 })
      const p = t.pool(POOL01.fqdn)
      assert.ok(p)
      assert.equal(t.origin(p, 'External'), 'https://proxy.contoso.com:8443')
      assert.equal(t.origin(p, 'Internal'), 'http://pool01.contoso.com:8080')
      assert.equal(t.origin(POOL02, 'External'), 'http://pool02ext.contoso.com:8081')
    })
  })

  describe('built from a config file', () => {
    const config = parseConfig(
      topologyYaml(DEFAULT_LISTENERS, '').replace(
        '    externalWebFqdn: webext02.example.test',
        '    externalWebFqdn: webext02.example.test\n    externalWebUrl: https://WebExt02.Example.Test:8443',
      ),
      { file: 'test.yaml', env: {}, baseDir: '/nonexistent' },
    )
    const t = config.topology

    it('defaults the discovery pool to the Director', () => {
      assert.equal(t.defaultDomain.name, 'example.test')
      assert.equal(t.discoveryPoolFor('example.test').fqdn, 'dir01.example.test')
      assert.equal(t.discoveryPoolFor('other.test').fqdn, 'dir01.example.test')
      assert.equal(t.matchHost('lyncdiscover.other.test').pool.fqdn, 'dir01.example.test')
    })

    it('matches hosts and applies the externalWebUrl override (lower-cased)', () => {
      const p2 = t.matchHost('webext02.example.test').pool
      assert.equal(p2.fqdn, 'pool02.example.test')
      assert.equal(t.origin(p2, 'External'), 'https://webext02.example.test:8443')
      assert.equal(t.origin(p2, 'Internal'), 'https://pool02.example.test')
    })
  })
})
