// The links every contact resource carries, and the minimal contact Parley renders where only
// directory basics are at hand (subscribedContacts). Shared with the full contact resource
// (routes/people.ts) so both agree on the layout: `…/people/<sip-lowercased>` and its children
// (docs/protocol.md §6, §13).
import type { User } from '../../domain/users/user-types.ts'
import { hrefOf } from './refs.ts'
import type { HalLink, HalResource } from './resources.ts'
import type { AppPaths } from './ucwa-paths.ts'

/** The rels of a contact's links, in the order Lync listed them. */
export const CONTACT_LINK_RELS = [
  'self',
  'contactPhoto',
  'contactPresence',
  'contactLocation',
  'contactNote',
  'contactSupportedModalities',
  'contactPrivacyRelationship',
] as const

/** `_links` of the contact `uri` (`sip:bob@example.test`) inside the application at `paths`. */
export function contactLinks(uri: string, paths: AppPaths): Record<string, HalLink> {
  const ids = [uri]
  const links: Record<string, HalLink> = {}
  for (const rel of CONTACT_LINK_RELS) {
    links[rel] = { href: hrefOf({ rel: rel === 'self' ? 'contact' : rel, ids }, paths) }
  }
  return links
}

/** The href of the contact `uri`. */
export const contactHref = (uri: string, paths: AppPaths): string =>
  hrefOf({ rel: 'contact', ids: [uri] }, paths)

/** A contact with only what every directory user has: URI, display name, type and links. */
export function renderMinimalContact(user: User, paths: AppPaths): HalResource {
  return {
    uri: user.sipUri,
    name: user.displayName,
    type: 'User',
    sourceNetwork: 'SameEnterprise',
    rel: 'contact',
    _links: contactLinks(user.sipUri, paths),
  }
}
