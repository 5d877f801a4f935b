// The deployment as Autodiscover sees it: SIP domains, sites, pools and the origins their web
// services are reached at. Built once from the config file (src/config); pure lookups only.
// See docs/topology.md.

/** Whether a request reached an internal or an external listener (Lync's AccessLocation). */
export type AccessLocation = 'Internal' | 'External'

export type PoolRole = 'frontend' | 'director'

export interface Pool {
  readonly fqdn: string
  readonly site: string
  readonly role: PoolRole
  readonly internalWebFqdn: string
  readonly externalWebFqdn: string
  /** Fixed origins (`https://webext.contoso.com`) that override the computed ones, e.g. when a
   * reverse proxy publishes the pool on another port than Parley listens on. */
  readonly originOverrides: Readonly<Partial<Record<AccessLocation, string>>>
}

/** Scheme and port clients use for one access location (from the listeners, or a proxy's). */
export interface PublicEndpoint {
  readonly scheme: 'http' | 'https'
  readonly port: number
}

export interface SipDomain {
  readonly name: string
  readonly isDefault: boolean
  /** The pool lyncdiscover(internal).<domain> points at: a Director if there is one. */
  readonly discoveryPool: string
}

/** Which pool a request is for, judged from its Host header. */
export interface HostMatch {
  readonly pool: Pool
  /** The SIP domain named by a lyncdiscover host, if the request came that way. */
  readonly discoveryDomain: string | undefined
  /** True when the host was a lyncdiscover / lyncdiscoverinternal name. */
  readonly viaDiscoveryName: boolean
  /** True when the host was one of the pool's own names (its FQDN or a web FQDN). */
  readonly namesPool: boolean
}

export class Topology {
  readonly domains: readonly SipDomain[]
  readonly pools: readonly Pool[]
  readonly defaultDomain: SipDomain
  readonly #poolsByHost = new Map<string, Pool>()
  readonly #poolsByFqdn = new Map<string, Pool>()
  // Until listeners are bound, assume the standard published form: HTTPS on 443.
  readonly #endpoints: Record<AccessLocation, PublicEndpoint> = {
    Internal: { scheme: 'https', port: 443 },
    External: { scheme: 'https', port: 443 },
  }

  constructor(domains: readonly SipDomain[], pools: readonly Pool[]) {
    const def = domains.find((d) => d.isDefault)
    if (!def) throw new Error('topology needs a default SIP domain')
    this.domains = domains
    this.pools = pools
    this.defaultDomain = def
    for (const pool of pools) {
      this.#poolsByFqdn.set(pool.fqdn, pool)
      this.#poolsByHost.set(pool.fqdn, pool)
      this.#poolsByHost.set(pool.internalWebFqdn, pool)
      this.#poolsByHost.set(pool.externalWebFqdn, pool)
    }
  }

  readonly #published = new Set<AccessLocation>()

  /** Records how clients reach one access location; called once listeners are bound. */
  setPublicEndpoint(access: AccessLocation, endpoint: PublicEndpoint): void {
    this.#endpoints[access] = endpoint
    this.#published.add(access)
  }

  hasPublicEndpoint(access: AccessLocation): boolean {
    return this.#published.has(access)
  }

  /** The origin (scheme://host[:port]) of `pool`'s web services for clients at `access`. */
  origin(pool: Pool, access: AccessLocation): string {
    const override = pool.originOverrides[access]
    if (override) return override
    const { scheme, port } = this.#endpoints[access]
    const host = access === 'Internal' ? pool.internalWebFqdn : pool.externalWebFqdn
    const standard = (scheme === 'https' && port === 443) || (scheme === 'http' && port === 80)
    return standard ? `${scheme}://${host}` : `${scheme}://${host}:${port}`
  }

  pool(fqdn: string): Pool | undefined {
    return this.#poolsByFqdn.get(fqdn.toLowerCase())
  }

  domain(name: string): SipDomain | undefined {
    const lower = name.toLowerCase()
    return this.domains.find((d) => d.name === lower)
  }

  /** The pool that answers discovery for `domain` (the default domain's when unknown). */
  discoveryPoolFor(domain: string | undefined): Pool {
    const d = (domain && this.domain(domain)) || this.defaultDomain
    const pool = this.pool(d.discoveryPool)
    if (!pool) throw new Error(`discovery pool ${d.discoveryPool} is not in the topology`)
    return pool
  }

  /**
   * Which pool serves a request for `host` (the Host header without port). Web FQDNs and pool
   * FQDNs select their pool; lyncdiscover.<domain> and lyncdiscoverinternal.<domain> select the
   * domain's discovery pool; any other name (an IP address, a proxy's name) gets the default
   * domain's discovery pool, so a bare `curl http://127.0.0.1:8080/…` still works.
   */
  matchHost(host: string): HostMatch {
    const name = host.toLowerCase()
    const pool = this.#poolsByHost.get(name)
    if (pool) return { pool, discoveryDomain: undefined, viaDiscoveryName: false, namesPool: true }
    const discovery = /^lyncdiscover(?:internal)?\.(.+)$/.exec(name)
    if (discovery?.[1]) {
      const domain = discovery[1]
      return {
        pool: this.discoveryPoolFor(domain),
        discoveryDomain: domain,
        viaDiscoveryName: true,
        namesPool: false,
      }
    }
    return {
      pool: this.discoveryPoolFor(undefined),
      discoveryDomain: undefined,
      viaDiscoveryName: false,
      namesPool: false,
    }
  }
}
