// Autodiscover (Lync Autodiscover Web Service, [MS-OCDISCWS]): where a client's home pool is.
// Returns plain data; src/http/routes/autodiscover.ts renders JSON or XML. See docs/autodiscover.md.

import type { AccessLocation, HostMatch, Pool, Topology } from '../topology/topology.ts'
import type { User } from '../users/user-types.ts'

/** Absolute URLs of one pool's discovery and web services, for one access location. */
export interface PoolUrls {
  readonly origin: string
  readonly root: string
  /** The user resource for OAuth (Bearer) clients: what UCWA clients use. */
  readonly oauthUser: string
  /** The user resource for WebTicket clients (desktop, mobile). */
  readonly user: string
  readonly domain: string
  readonly xframe: string
  readonly ucwaOAuth: string
  readonly ucwa: string
  readonly token: string
}

export interface RootDocument {
  readonly accessLocation: AccessLocation
  readonly urls: PoolUrls
  /** The domain hint to carry in `originalDomain=` (from the query, sipuri or lyncdiscover host). */
  readonly originalDomain: string | undefined
}

export type UserDocument =
  | {
      readonly kind: 'home'
      readonly accessLocation: AccessLocation
      readonly urls: PoolUrls
      /** The home pool's URLs for both access locations (the XML form lists both). */
      readonly internal: PoolUrls
      readonly external: PoolUrls
    }
  | {
      readonly kind: 'redirect'
      readonly accessLocation: AccessLocation
      readonly urls: PoolUrls
      /** The home pool's Autodiscover root, where the client starts over (new token included). */
      readonly redirect: string
    }

export const AUTODISCOVER_ROOT_PATH = '/Autodiscover/AutodiscoverService.svc/root'
export const XFRAME_PATH = '/Autodiscover/XFrame/XFrame.html'
export const TOKEN_PATH = '/WebTicket/oauthtoken'

export function poolUrls(origin: string): PoolUrls {
  const root = origin + AUTODISCOVER_ROOT_PATH
  return {
    origin,
    root,
    oauthUser: `${root}/oauth/user`,
    user: `${root}/user`,
    domain: `${root}/domain`,
    xframe: origin + XFRAME_PATH,
    ucwaOAuth: `${origin}/ucwa/oauth/v1/applications`,
    ucwa: `${origin}/ucwa/v1/applications`,
    token: origin + TOKEN_PATH,
  }
}

export class AutodiscoverService {
  readonly #topology: Topology
  readonly #urlsByOrigin = new Map<string, PoolUrls>()

  constructor(topology: Topology) {
    this.#topology = topology
  }

  /**
   * The root resource as answered by the pool the Host header chose. Its links stay on that
   * pool's own origin, never on the lyncdiscover name, because clients derive the pool origin
   * (and the token URL) from them.
   */
  root(match: HostMatch, access: AccessLocation, hints: DiscoveryHints): RootDocument {
    // The lyncdiscover host name is client input too (any Host header reaches us): validate it
    // like the query hints before it is echoed into links.
    const originalDomain = domainHint(hints) ?? domainHint({ originalDomain: match.discoveryDomain })
    const pool = this.#poolForHint(match, originalDomain)
    return { accessLocation: access, urls: this.urls(pool, access), originalDomain }
  }

  /** The user resource for a signed-in user asking the pool `pool`. */
  user(pool: Pool, access: AccessLocation, user: User): UserDocument {
    const urls = this.urls(pool, access)
    const home = this.#topology.pool(user.homePool)
    if (home && home.fqdn !== pool.fqdn) {
      // The home pool's root without a query: clients append `/oauth/user` to this href
      // (tamhinsf/ucwa-sfbo-console UcwaAutodiscovery.cs), and the home pool needs no domain hint.
      return { kind: 'redirect', accessLocation: access, urls, redirect: this.urls(home, access).root }
    }
    return {
      kind: 'home',
      accessLocation: access,
      urls,
      internal: this.urls(pool, 'Internal'),
      external: this.urls(pool, 'External'),
    }
  }

  /**
   * The same object for the same origin, so renderers can key caches on it. Origins come from
   * the topology alone (pools × access locations × how listeners are published): a few entries.
   */
  urls(pool: Pool, access: AccessLocation): PoolUrls {
    const origin = this.#topology.origin(pool, access)
    let urls = this.#urlsByOrigin.get(origin)
    if (!urls) {
      urls = poolUrls(origin)
      this.#urlsByOrigin.set(origin, urls)
    }
    return urls
  }

  // A bare lyncdiscover name or an unknown host answers for the hinted domain's discovery pool;
  // a pool's own web FQDN always answers for itself.
  #poolForHint(match: HostMatch, domain: string | undefined): Pool {
    if (match.namesPool || !domain || !this.#topology.domain(domain)) return match.pool
    return this.#topology.discoveryPoolFor(domain)
  }
}

/** What the query string may say about the user's domain. */
export interface DiscoveryHints {
  readonly originalDomain?: string | undefined
  readonly sipUri?: string | undefined
  /** `Domain=` as some Office 365 scripts send it. */
  readonly domain?: string | undefined
}

const DOMAIN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/

/** The domain named by the hints, validated (hints are echoed into links, so never trust them raw). */
export function domainHint(hints: DiscoveryHints): string | undefined {
  const at = hints.sipUri?.lastIndexOf('@') ?? -1
  const candidates = [hints.originalDomain, hints.domain, at >= 0 ? hints.sipUri?.slice(at + 1) : undefined]
  for (const c of candidates) {
    const d = c?.trim().toLowerCase()
    if (d && d.length <= 253 && DOMAIN.test(d)) return d
  }
  return undefined
}
