// Which object applies (docs/admin-reference.md §1.3, §2, §3.1): pure functions over the stored objects.
//   mobility policy: the user's granted Tag (if it still exists) → Site of the home pool → Global
//   Mcx configuration: Service:WebServer:<pool> → Site of the pool → Global
//   push configuration: Site of the home pool → Global
import { GLOBAL, type Identity } from './identity.ts'
import type { KindSpec } from './kinds.ts'
import { defaultsOf, type Settings } from './parameters.ts'

/** One stored object: its identity and its complete settings. */
export interface PolicyObject {
  readonly identity: Identity
  readonly settings: Settings
}

/** The object that applies and where it came from. */
export interface Effective {
  /** `Global`, `Site:Redmond`, `Tag:NoVoip`, … — what Get-CsEffectivePolicy would name. */
  readonly source: string
  readonly settings: Settings
}

/** The candidates, most specific first; the first that exists wins, else Global (or defaults). */
export function resolve(
  spec: KindSpec,
  objects: readonly PolicyObject[],
  candidates: readonly Identity[],
): Effective {
  const byKey = new Map(objects.map((o) => [o.identity.text.toLowerCase(), o]))
  for (const candidate of [...candidates, GLOBAL]) {
    const found = byKey.get(candidate.text.toLowerCase())
    if (found)
      return { source: found.identity.text, settings: { ...defaultsOf(spec.parameters), ...found.settings } }
  }
  return { source: GLOBAL.text, settings: defaultsOf(spec.parameters) }
}

const site = (name: string): Identity => ({ scope: 'site', name, text: `Site:${name}` })
const tag = (name: string): Identity => ({ scope: 'tag', name, text: `Tag:${name}` })

/** Candidates for a user's mobility policy: the granted tag, then the home site. */
export function mobilityCandidates(granted: string | undefined, homeSite: string | undefined): Identity[] {
  return [...(granted ? [tag(granted)] : []), ...(homeSite ? [site(homeSite)] : [])]
}

/** Candidates for a pool's Mcx configuration: the pool's web server, then its site. */
export function mcxCandidates(poolFqdn: string, poolSite: string | undefined): Identity[] {
  const service: Identity = { scope: 'service', name: poolFqdn, text: `Service:WebServer:${poolFqdn}` }
  return [service, ...(poolSite ? [site(poolSite)] : [])]
}

/** Candidates for a user's push configuration: the home site. */
export function pushCandidates(homeSite: string | undefined): Identity[] {
  return homeSite ? [site(homeSite)] : []
}
