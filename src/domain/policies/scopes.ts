// An admin's identity checked for one kind of object against the topology: its scope allowed
// (for New: creatable), its site or pool known, spelled as the topology spells it.
import type { Topology } from '../topology/topology.ts'
import { type Identity, parseIdentity, type Scope } from './identity.ts'
import type { KindSpec } from './kinds.ts'
import { PolicyError } from './policy-errors.ts'

/** How each scope is written, for messages and help. */
export const SCOPE_FORMS: Readonly<Record<Scope, string>> = {
  global: 'Global',
  site: 'Site:<site>',
  tag: 'Tag:<name>',
  service: 'Service:WebServer:<pool fqdn>',
}

export function checkedIdentity(
  spec: KindSpec,
  text: string,
  use: 'new' | 'any',
  topology: Topology,
): Identity {
  const parsed = parseIdentity(text)
  if ('problem' in parsed) throw new PolicyError('invalid', parsed.problem)
  const scopes = use === 'new' ? spec.newScopes : spec.scopes
  if (!scopes.includes(parsed.scope)) {
    const allowed = scopes.map((s) => SCOPE_FORMS[s]).join(', ')
    const why =
      use === 'new' && parsed.scope === 'global' ? ' (Global always exists; change it with set)' : ''
    throw new PolicyError('invalid', `${spec.kind} cannot have identity ${parsed.text}${why}; use ${allowed}`)
  }
  if (parsed.scope === 'site') {
    const sites = [...new Set(topology.pools.map((p) => p.site))]
    const site = sites.find((s) => s.toLowerCase() === parsed.name.toLowerCase())
    if (!site)
      throw new PolicyError('invalid', `site "${parsed.name}" is not in the topology (${sites.join(', ')})`)
    return { scope: 'site', name: site, text: `Site:${site}` }
  }
  if (parsed.scope === 'service' && !topology.pool(parsed.name)) {
    const pools = topology.pools.map((p) => p.fqdn).join(', ')
    throw new PolicyError('invalid', `pool "${parsed.name}" is not in the topology (${pools})`)
  }
  return parsed
}
