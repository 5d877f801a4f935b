// SIP URIs and the sign-in name forms clients send to the token endpoint.
import type { SipUri } from '../ids.ts'

/**
 * The longest `user@domain` accepted. RFC 5321 bounds a mail path at 256 octets (so an address at
 * 254); SIP addresses follow the same shape in practice.
 */
export const MAX_SIP_ADDRESS_LENGTH = 256

// user@domain: a conservative subset of RFC 3261 user parts and DNS names.
const ADDRESS =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/

/**
 * Canonical SIP URI for `alice@example.test`, `sip:Alice@Example.Test` or `SIP:alice@example.test`;
 * undefined when the text is not a plain SIP address.
 */
export function parseSipUri(text: string): SipUri | undefined {
  const trimmed = text.trim().toLowerCase()
  const address = trimmed.startsWith('sip:') ? trimmed.slice(4) : trimmed
  if (address.length > MAX_SIP_ADDRESS_LENGTH || !ADDRESS.test(address)) return undefined
  return `sip:${address}` as SipUri
}

/** `sip:alice@example.test` → `alice@example.test` (the form used in UCWA URLs). */
export const addressOf = (uri: SipUri): string => uri.slice(4)

/** `sip:alice@example.test` → `example.test`. */
export const domainOf = (uri: SipUri): string => uri.slice(uri.indexOf('@') + 1)

/**
 * The SIP URI a token-endpoint `username` names. Accepts `user@domain`, `sip:user@domain` and the
 * down-level `DOMAIN\user`, where DOMAIN is matched against the first label of each SIP domain
 * (`EXAMPLE\alice` → `sip:alice@example.test`), falling back to the default SIP domain.
 */
export function signInNameToSipUri(
  username: string,
  sipDomains: readonly string[],
  defaultDomain: string,
): SipUri | undefined {
  const slash = username.indexOf('\\')
  if (slash < 0) return parseSipUri(username)
  const netbios = username.slice(0, slash).toLowerCase()
  const user = username.slice(slash + 1)
  if (!netbios || !user || user.includes('@')) return undefined
  const domain = sipDomains.find((d) => d.split('.')[0] === netbios) ?? defaultDomain
  return parseSipUri(`${user}@${domain}`)
}
