// The contact list as UCWA resources (docs/protocol.md §6): contact, myContacts / groupContacts,
// myGroups and its groups, myGroupMemberships and search. Links come from contact-links.ts and
// refs.ts, so every href follows the Lync 2013 layout (§13). See docs/contacts.md.
import type {
  ContactEntry,
  ContactGroup,
  GroupList,
  MembershipView,
} from '../../domain/contacts/contact-types.ts'
import { groupRel } from '../../domain/contacts/contact-types.ts'
import { workNumberOf } from '../../domain/users/phones.ts'
import { addressOf } from '../../domain/users/sip-uri.ts'
import type { User } from '../../domain/users/user-types.ts'
import { contactHref, contactLinks } from './contact-links.ts'
import { etagOf, PUT_GUID_VALUE, putGuid } from './etag.ts'
import { hrefOf } from './refs.ts'
import type { HalLink, HalResource } from './resources.ts'
import type { AppPaths } from './ucwa-paths.ts'

/**
 * What a contact shows of a directory user. Work phone and email are visible to everyone in the
 * directory; the other numbers wait for privacy relationships (docs/contacts.md).
 */
export function contactProperties(user: User): Record<string, unknown> {
  const work = workNumberOf(user)
  return {
    uri: user.sipUri,
    name: user.displayName,
    sourceNetwork: 'SameEnterprise',
    type: 'User',
    emailAddresses: user.email ? [user.email] : [],
    ...(user.title ? { title: user.title } : {}),
    ...(user.department ? { department: user.department } : {}),
    ...(work ? { workPhoneNumber: work } : {}),
  }
}

/** The contact resource (`…/people/<sip>`), with an etag of its properties. */
export function renderContact(user: User, paths: AppPaths): HalResource {
  const properties = contactProperties(user)
  return { ...properties, etag: etagOf(properties), rel: 'contact', _links: contactLinks(user.sipUri, paths) }
}

/** A contact on the list; one no longer in the directory keeps its URI (and shows it as name). */
export function renderListedContact(entry: ContactEntry, paths: AppPaths): HalResource {
  if (entry.user) return renderContact(entry.user, paths)
  return {
    uri: entry.uri,
    name: addressOf(entry.uri),
    sourceNetwork: 'SameEnterprise',
    type: 'User',
    rel: 'contact',
    _links: contactLinks(entry.uri, paths),
  }
}

/** myContacts or groupContacts: contacts embedded, or (`?expand=false`) linked. */
export function renderContactCollection(
  rel: 'myContacts' | 'groupContacts',
  self: string,
  entries: readonly ContactEntry[],
  paths: AppPaths,
  expand: boolean,
): HalResource {
  if (!expand) {
    return {
      rel,
      _links: { self: { href: self }, contact: entries.map((e) => ({ href: contactHref(e.uri, paths) })) },
    }
  }
  return {
    rel,
    _links: { self: { href: self } },
    _embedded: { contact: entries.map((e) => renderListedContact(e, paths)) },
  }
}

const groupRef = (group: Pick<ContactGroup, 'id' | 'kind'>) => ({
  rel: groupRel(group.kind),
  ids: [group.id],
})

/** A group's href (`…/people/groups/<id>`). */
export const groupHref = (group: Pick<ContactGroup, 'id' | 'kind'>, paths: AppPaths): string =>
  hrefOf(groupRef(group), paths)

/** The properties a group's etag covers. */
export const groupProperties = (group: ContactGroup) => ({ id: group.id, name: group.name })

/** The GUID-named property of a personal group (the only kind that can be PUT). */
export const groupPutGuid = (group: Pick<ContactGroup, 'id'>, paths: AppPaths): string =>
  putGuid(paths.id, `group/${group.id}`)

/**
 * defaultGroup, pinnedGroup or group. Personal groups can be renamed with PUT (group2), so they
 * carry the "please pass this in a PUT request" property.
 */
export function renderGroup(group: ContactGroup, paths: AppPaths): HalResource {
  const properties = groupProperties(group)
  const people = hrefOf({ rel: 'people' }, paths)
  return {
    ...(group.kind === 'user' ? { [groupPutGuid(group, paths)]: PUT_GUID_VALUE } : {}),
    ...properties,
    etag: etagOf(properties),
    rel: groupRel(group.kind),
    _links: {
      self: { href: groupHref(group, paths) },
      groupContacts: { href: hrefOf({ rel: 'groupContacts', ids: [group.id] }, paths) },
      groupMemberships: { href: `${people}/groupMemberships?groupId=${encodeURIComponent(group.id)}` },
    },
  }
}

/** myGroups: the groups embedded (Parley has no distribution groups: the list is empty), or linked. */
export function renderMyGroups(list: GroupList, paths: AppPaths, expand: boolean): HalResource {
  const self = { href: hrefOf({ rel: 'myGroups' }, paths) }
  if (!expand) {
    return {
      rel: 'myGroups',
      _links: {
        self,
        defaultGroup: { href: groupHref(list.defaultGroup, paths) },
        pinnedGroup: { href: groupHref(list.pinnedGroup, paths) },
        group: list.groups.map((g) => ({ href: groupHref(g, paths) })),
        distributionGroup: [],
      },
    }
  }
  return {
    rel: 'myGroups',
    _links: { self },
    _embedded: {
      defaultGroup: renderGroup(list.defaultGroup, paths),
      pinnedGroup: renderGroup(list.pinnedGroup, paths),
      group: list.groups.map((g) => renderGroup(g, paths)),
      distributionGroup: [],
    },
  }
}

/** One myGroupMembership: links to its contact and to its group (under the group's rel). */
export function renderGroupMembership(view: MembershipView, paths: AppPaths): HalResource {
  const links: Record<string, HalLink> = {
    self: { href: hrefOf({ rel: 'myGroupMembership', ids: [view.id] }, paths) },
    contact: { href: contactHref(view.contactUri, paths) },
  }
  links[groupRel(view.group.kind)] = { href: groupHref(view.group, paths) }
  return { rel: 'myGroupMembership', _links: links }
}

export function renderGroupMemberships(
  views: readonly MembershipView[],
  paths: AppPaths,
  groupId: string | undefined,
): HalResource {
  const base = hrefOf({ rel: 'myGroupMemberships' }, paths)
  return {
    rel: 'myGroupMemberships',
    _links: {
      self: { href: groupId === undefined ? base : `${base}?groupId=${encodeURIComponent(groupId)}` },
      removeContactFromAllGroups: { href: `${base}/removeContactFromAllGroups` },
    },
    _embedded: { myGroupMembership: views.map((v) => renderGroupMembership(v, paths)) },
  }
}

/** search: the directory users found, each as a full contact. */
export function renderSearch(
  users: readonly User[],
  moreResultsAvailable: boolean,
  self: string,
  paths: AppPaths,
): HalResource {
  return {
    moreResultsAvailable,
    rel: 'search',
    _links: { self: { href: self } },
    _embedded: { contact: users.map((u) => renderContact(u, paths)) },
  }
}

/**
 * myContactsAndGroupsSubscription (myContactsAndGroupsSubscription_ref.md). Parley sends
 * contact-list events to every application of the user without being asked, so the
 * subscription is always Connected; starting or refreshing it changes nothing, and there is no
 * stop link because the events cannot be stopped (docs/applications.md).
 */
export function renderContactsAndGroupsSubscription(paths: AppPaths): HalResource {
  const self = hrefOf({ rel: 'myContactsAndGroupsSubscription' }, paths)
  return {
    state: 'Connected',
    rel: 'myContactsAndGroupsSubscription',
    _links: {
      self: { href: self },
      startOrRefreshSubscriptionToContactsAndGroups: {
        href: `${self}/startOrRefreshSubscriptionToContactsAndGroups`,
      },
    },
  }
}
