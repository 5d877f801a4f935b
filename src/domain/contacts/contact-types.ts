// The contact list as the domain sees it: groups and (group, contact) memberships, per user.
// See docs/contacts.md.
import type { SipUri, UserId } from '../ids.ts'
import type { User } from '../users/user-types.ts'

/**
 * `default` is "Other Contacts" (rel defaultGroup), `pinned` is "Favorites" (rel pinnedGroup);
 * both exist once per user and are created on first use. `user` groups are the user's own.
 */
export type GroupKind = 'default' | 'pinned' | 'user'

export interface ContactGroup {
  readonly id: string
  readonly ownerId: UserId
  readonly kind: GroupKind
  readonly name: string
  readonly createdAt: number
}

/** One contact in one group; a contact is on the list while it has at least one. */
export interface GroupMembership {
  readonly groupId: string
  readonly contactUri: SipUri
  readonly createdAt: number
}

/** A contact on the list: its URI and the directory user it names (absent once removed). */
export interface ContactEntry {
  readonly uri: SipUri
  readonly user: User | undefined
}

/** A membership with its group, as myGroupMemberships shows it. */
export interface MembershipView {
  readonly id: string
  readonly group: ContactGroup
  readonly contactUri: SipUri
}

/** The user's groups: the two system groups and the user's own, oldest first. */
export interface GroupList {
  readonly defaultGroup: ContactGroup
  readonly pinnedGroup: ContactGroup
  readonly groups: readonly ContactGroup[]
}

export interface ContactLimits {
  /** Groups per user, Other Contacts and Favorites included (Lync: 64). */
  readonly maxGroups: number
  /** Distinct contacts per user (Lync: 250 by default, 1,000 at most). */
  readonly maxContacts: number
  /** Longest group name (UCWA: 256). */
  readonly maxGroupName: number
}

export const DEFAULT_CONTACT_LIMITS: ContactLimits = { maxGroups: 64, maxContacts: 1000, maxGroupName: 256 }

export const SYSTEM_GROUP_NAMES: Readonly<Record<Exclude<GroupKind, 'user'>, string>> = {
  default: 'Other Contacts',
  pinned: 'Favorites',
}

/** The rel a group goes by in myGroups, memberships and events. */
export const groupRel = (kind: GroupKind): 'defaultGroup' | 'pinnedGroup' | 'group' =>
  kind === 'default' ? 'defaultGroup' : kind === 'pinned' ? 'pinnedGroup' : 'group'

// A membership's id names its group and contact: `{groupId}~{address}`. Group ids are base64url
// (no `~`), so the first `~` splits them.
export const membershipId = (groupId: string, uri: SipUri): string => `${groupId}~${uri.slice(4)}`

export function parseMembershipId(id: string): { groupId: string; address: string } | undefined {
  const at = id.indexOf('~')
  if (at <= 0 || at === id.length - 1) return undefined
  return { groupId: id.slice(0, at), address: id.slice(at + 1) }
}
