// Identities of policy and configuration objects, as the cmdlets spell them: `Global`,
// `Site:<site>`, `Tag:<name>` (per-user; a bare name means a tag) and
// `Service:WebServer:<pool fqdn>`. Parsing is case-insensitive; the canonical form is stored.

export type Scope = 'global' | 'site' | 'tag' | 'service'

export interface Identity {
  readonly scope: Scope
  /** The site, tag or pool FQDN; empty for Global. */
  readonly name: string
  /** `Global`, `Site:Redmond`, `Tag:NoVoip`, `Service:WebServer:pool01.example.test`. */
  readonly text: string
}

export const GLOBAL: Identity = { scope: 'global', name: '', text: 'Global' }

const TAG_NAME = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/
const FQDN = /^[A-Za-z0-9.-]{1,253}$/

/** An identity from admin input, or a message saying why it is not one. */
export function parseIdentity(text: string): Identity | { readonly problem: string } {
  const t = text.trim()
  if (/^global$/i.test(t)) return GLOBAL
  const service = /^service:webserver:(.+)$/i.exec(t)
  if (service?.[1]) {
    const fqdn = service[1].toLowerCase()
    if (!FQDN.test(fqdn)) return { problem: `"${text}": ${service[1]} is not a pool FQDN` }
    return { scope: 'service', name: fqdn, text: `Service:WebServer:${fqdn}` }
  }
  if (/^service:/i.test(t))
    return { problem: `"${text}": the only service scope is Service:WebServer:<pool fqdn>` }
  const site = /^site:(.*)$/i.exec(t)
  if (site) {
    const name = site[1]?.trim() ?? ''
    if (!name) return { problem: `"${text}": Site: needs a site name` }
    return { scope: 'site', name, text: `Site:${name}` }
  }
  const tag = /^tag:(.*)$/i.exec(t)
  const name = tag ? (tag[1]?.trim() ?? '') : t
  if (!TAG_NAME.test(name) || name.includes(':')) {
    return {
      problem: `"${text}" is not an identity: use Global, Site:<site>, Tag:<name> (letters, digits, space, _ . -; at most 64)${''}`,
    }
  }
  return { scope: 'tag', name, text: `Tag:${name}` }
}

/** The key an identity is stored and compared under (identities are case-insensitive). */
export const keyOf = (identity: Identity): string => identity.text.toLowerCase()

/**
 * `--filter` of Get: `*` matches any run of characters, `?` one; case-insensitive, whole identity
 * (`site:*`, `tag:*voice*`).
 */
export function identityFilter(pattern: string): (identity: string) => boolean {
  const escaped = pattern
    .trim()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  const re = new RegExp(`^${escaped}$`, 'i')
  return (identity) => re.test(identity)
}
