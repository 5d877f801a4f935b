// The contact list: groups, memberships, the directory search, contact resources and photos
// (docs/protocol.md §6). Contact lists belong to the user and are shared by all their applications;
// every change is announced (sender people) on each of them. See docs/contacts.md.
import type { Session } from '../auth/auth-service.ts'
import { UcwaError } from '../errors.ts'
import type { ChannelEvent, Ref } from '../events/channel-event.ts'
import { commitWithEvents, type EventChannel } from '../events/event-channel.ts'
import { Outbox } from '../events/outbox.ts'
import type { SipUri, UserId } from '../ids.ts'
import type { Clock, Random, Store } from '../ports.ts'
import type { PresenceService } from '../presence/presence-service.ts'
import { parseSipUri } from '../users/sip-uri.ts'
import type { User } from '../users/user-types.ts'
import {
  type ContactEntry,
  type ContactGroup,
  type ContactLimits,
  DEFAULT_CONTACT_LIMITS,
  type GroupList,
  groupRel,
  type MembershipView,
  membershipId,
  parseMembershipId,
  SYSTEM_GROUP_NAMES,
} from './contact-types.ts'
import { photoEtag, type UserPhoto } from './photo.ts'

type Tx = Omit<Store, 'transaction' | 'close'>

const PEOPLE: Ref = { rel: 'people' }
const MY_CONTACTS: Ref = { rel: 'myContacts' }
const MY_GROUPS: Ref = { rel: 'myGroups' }

/** Longest search query (search_ref: 256 characters). */
export const MAX_QUERY_LENGTH = 256
/** Most results one search returns (search_ref: `limit` is 1–100). */
export const MAX_SEARCH_LIMIT = 100

export interface SearchResult {
  readonly users: readonly User[]
  readonly moreResultsAvailable: boolean
}

export interface PhotoResult {
  readonly user: User
  /** The stored photo, or null when the user has none (the caller serves a placeholder). */
  readonly photo: UserPhoto | null
  /** Entity tag of the stored photo (undefined with no photo). */
  readonly etag: string | undefined
}

export class ContactService {
  readonly #store: Store
  readonly #channel: EventChannel
  readonly #clock: Clock
  readonly #random: Random
  readonly #limits: ContactLimits

  constructor(deps: {
    store: Store
    channel: EventChannel
    clock: Clock
    random: Random
    /** Not used yet; kept for contact views that depend on presence and privacy. */
    presence: PresenceService
    limits?: ContactLimits
  }) {
    this.#store = deps.store
    this.#channel = deps.channel
    this.#clock = deps.clock
    this.#random = deps.random
    this.#limits = deps.limits ?? DEFAULT_CONTACT_LIMITS
  }

  get limits(): ContactLimits {
    return this.#limits
  }

  // ---- groups ---------------------------------------------------------------------------------

  /** The caller's groups; Other Contacts and Favorites are created on first use. */
  async groups(session: Session): Promise<GroupList> {
    const owner = session.user.id
    const existing = listOf(await this.#store.contacts.groups(owner))
    if (existing) return existing
    return this.#store.transaction((tx) => this.#groups(tx, owner))
  }

  /** One of the caller's groups; another user's group answers like a missing one. */
  async group(session: Session, id: string): Promise<ContactGroup> {
    const group = allGroups(await this.groups(session)).find((g) => g.id === id)
    if (!group) throw notFound('group')
    return group
  }

  /** POST myGroups `{"displayName": …}`: a new personal group. */
  async createGroup(session: Session, name: string): Promise<ContactGroup> {
    const clean = this.#groupName(name)
    const owner = session.user.id
    const outbox = new Outbox()
    return commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const list = await this.#groups(tx, owner)
      const all = allGroups(list)
      if (all.length >= this.#limits.maxGroups) {
        throw new UcwaError('LimitExceeded', {
          message: `A contact list holds at most ${this.#limits.maxGroups} groups (Other Contacts and Favorites included).`,
        })
      }
      if (all.some((g) => sameName(g.name, clean))) throw groupExists(clean)
      const group: ContactGroup = {
        id: this.#newGroupId(),
        ownerId: owner,
        kind: 'user',
        name: clean,
        createdAt: this.#clock.now(),
      }
      await tx.contacts.insertGroup(group)
      outbox.addToAll(await recipients(tx, owner), {
        sender: PEOPLE,
        link: groupRef(group),
        in: MY_GROUPS,
        type: 'added',
        priority: 'high',
      })
      return group
    })
  }

  /** PUT group2: renames a personal group (Other Contacts and Favorites cannot be renamed). */
  async renameGroup(session: Session, id: string, name: string): Promise<ContactGroup> {
    const clean = this.#groupName(name)
    const owner = session.user.id
    const outbox = new Outbox()
    return commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const list = await this.#groups(tx, owner)
      const group = allGroups(list).find((g) => g.id === id)
      if (!group) throw notFound('group')
      requirePersonal(group, 'renamed')
      if (group.name === clean) return group
      if (allGroups(list).some((g) => g.id !== id && sameName(g.name, clean))) throw groupExists(clean)
      await tx.contacts.renameGroup(owner, id, clean)
      const renamed = { ...group, name: clean }
      outbox.addToAll(await recipients(tx, owner), {
        sender: PEOPLE,
        link: groupRef(renamed),
        // myGroups shows the name too, so the list changed with the group.
        in: MY_GROUPS,
        type: 'updated',
        priority: 'high',
      })
      return renamed
    })
  }

  /**
   * DELETE group2. Contacts that were only in this group are not dropped from the list: like
   * Lync, which only removes the group's reference from its contacts, they stay on the list in
   * Other Contacts (the default group).
   */
  async deleteGroup(session: Session, id: string): Promise<void> {
    const owner = session.user.id
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const list = await this.#groups(tx, owner)
      const group = allGroups(list).find((g) => g.id === id)
      if (!group) throw notFound('group')
      requirePersonal(group, 'deleted')
      const members = await tx.contacts.memberships(owner, id)
      await tx.contacts.removeGroup(owner, id)
      const events: ChannelEvent[] = []
      const now = this.#clock.now()
      for (const m of members) {
        events.push(membershipEvent(group.id, m.contactUri, 'deleted'))
        if ((await tx.contacts.groupsOf(owner, m.contactUri)).length > 0) continue
        await tx.contacts.addMember(owner, list.defaultGroup.id, m.contactUri, now)
        events.push(contactEvent(m.contactUri, groupRef(list.defaultGroup), 'added'))
        events.push(membershipEvent(list.defaultGroup.id, m.contactUri, 'added'))
      }
      events.push({ sender: PEOPLE, link: groupRef(group), in: MY_GROUPS, type: 'deleted', priority: 'high' })
      outbox.addToAll(await recipients(tx, owner), ...events)
    })
  }

  // ---- contacts and memberships ---------------------------------------------------------------

  /** myContacts: every contact on the list once, in the order they were added. */
  async contacts(session: Session): Promise<ContactEntry[]> {
    const memberships = await this.#store.contacts.memberships(session.user.id)
    return this.#entries([...new Set(memberships.map((m) => m.contactUri))])
  }

  /** groupContacts of one of the caller's groups. */
  async groupContacts(session: Session, groupId: string): Promise<ContactEntry[]> {
    const group = await this.group(session, groupId)
    const memberships = await this.#store.contacts.memberships(session.user.id, group.id)
    return this.#entries(memberships.map((m) => m.contactUri))
  }

  /** myGroupMemberships (of one group when `groupId` is given). */
  async memberships(session: Session, groupId?: string): Promise<MembershipView[]> {
    const owner = session.user.id
    const list = await this.groups(session)
    const byId = new Map(allGroups(list).map((g) => [g.id, g]))
    if (groupId !== undefined && !byId.has(groupId)) throw notFound('group')
    const memberships = await this.#store.contacts.memberships(owner, groupId)
    return memberships.flatMap((m) => {
      const group = byId.get(m.groupId)
      return group ? [{ id: membershipId(group.id, m.contactUri), group, contactUri: m.contactUri }] : []
    })
  }

  /** One myGroupMembership by its id (`{groupId}~{address}`). */
  async membership(session: Session, id: string): Promise<MembershipView> {
    const { group, uri } = await this.#membershipParts(session, id)
    const groups = await this.#store.contacts.groupsOf(session.user.id, uri)
    if (!groups.includes(group.id)) throw notFound('group membership')
    return { id: membershipId(group.id, uri), group, contactUri: uri }
  }

  /**
   * POST myGroupMemberships: puts a directory user on the list, in `groupId` or (without one)
   * in Other Contacts. A contact may be in several groups; adding it to a group it is in
   * already is a conflict.
   */
  async addMembership(session: Session, contactUri: string, groupId?: string): Promise<MembershipView> {
    const uri = requireContactUri(contactUri)
    const user = await this.#directoryUser(uri)
    if (!user)
      throw new UcwaError('ResourceNotFound', { message: `There is no user ${uri} in the directory.` })
    const owner = session.user.id
    const outbox = new Outbox()
    return commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const list = await this.#groups(tx, owner)
      const group = groupId === undefined ? list.defaultGroup : allGroups(list).find((g) => g.id === groupId)
      if (!group) throw notFound('group')
      const before = await tx.contacts.groupsOf(owner, uri)
      if (before.includes(group.id)) {
        throw new UcwaError('AlreadyExists', { message: `${uri} is already in the group "${group.name}".` })
      }
      if (before.length === 0 && (await tx.contacts.countContacts(owner)) >= this.#limits.maxContacts) {
        throw new UcwaError('LimitExceeded', {
          message: `A contact list holds at most ${this.#limits.maxContacts} contacts.`,
        })
      }
      await tx.contacts.addMember(owner, group.id, uri, this.#clock.now())
      const events: ChannelEvent[] = []
      if (before.length === 0) events.push(contactEvent(uri, MY_CONTACTS, 'added', user.displayName))
      events.push(contactEvent(uri, groupRef(group), 'added', user.displayName))
      events.push(membershipEvent(group.id, uri, 'added'))
      outbox.addToAll(await recipients(tx, owner), ...events)
      return { id: membershipId(group.id, uri), group, contactUri: uri }
    })
  }

  /** DELETE myGroupMembership; a contact removed from its last group leaves the list. */
  async removeMembership(session: Session, id: string): Promise<void> {
    const { group, uri } = await this.#membershipParts(session, id)
    const owner = session.user.id
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      if (!(await tx.contacts.removeMember(owner, group.id, uri))) throw notFound('group membership')
      const events = [
        contactEvent(uri, groupRef(group), 'deleted'),
        membershipEvent(group.id, uri, 'deleted'),
      ]
      if ((await tx.contacts.groupsOf(owner, uri)).length === 0) {
        events.push(contactEvent(uri, MY_CONTACTS, 'deleted'))
      }
      outbox.addToAll(await recipients(tx, owner), ...events)
    })
  }

  /** removeContactFromAllGroups: takes the contact off the list. */
  async removeContact(session: Session, contactUri: string): Promise<void> {
    const uri = requireContactUri(contactUri)
    const owner = session.user.id
    const outbox = new Outbox()
    await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const groupIds = await tx.contacts.groupsOf(owner, uri)
      if (groupIds.length === 0) {
        throw new UcwaError('ResourceNotFound', { message: `${uri} is not on the contact list.` })
      }
      const list = await this.#groups(tx, owner)
      const events: ChannelEvent[] = []
      for (const group of allGroups(list)) {
        if (!groupIds.includes(group.id)) continue
        await tx.contacts.removeMember(owner, group.id, uri)
        events.push(contactEvent(uri, groupRef(group), 'deleted'))
        events.push(membershipEvent(group.id, uri, 'deleted'))
      }
      events.push(contactEvent(uri, MY_CONTACTS, 'deleted'))
      outbox.addToAll(await recipients(tx, owner), ...events)
    })
  }

  // ---- the directory --------------------------------------------------------------------------

  /** The contact resource of a directory user, by any form of its SIP address. */
  async contact(_session: Session, address: string): Promise<User> {
    const uri = parseSipUri(address)
    const user = uri && (await this.#directoryUser(uri))
    if (!user) throw notFound('contact')
    return user
  }

  /**
   * The directory search: enabled users whose name, email, SIP URI or phone number contains the
   * query, case-insensitively; phone-like queries match phone numbers digit by digit.
   */
  async search(_session: Session, query: string, limit: number): Promise<SearchResult> {
    const text = query.trim()
    if (!text || text.length > MAX_QUERY_LENGTH) {
      throw new UcwaError('ParameterValidationFailure', {
        message: `query must be 1 to ${MAX_QUERY_LENGTH} characters.`,
        parameters: [{ name: 'query', reason: text ? 'is too long' : 'is required' }],
      })
    }
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
      throw new UcwaError('ParameterValidationFailure', {
        message: `limit must be a whole number from 1 to ${MAX_SEARCH_LIMIT}.`,
        parameters: [{ name: 'limit', reason: `must be 1 to ${MAX_SEARCH_LIMIT}` }],
      })
    }
    const ids = await this.#store.contacts.searchDirectory(text, phoneDigits(text), limit + 1)
    const users: User[] = []
    for (const id of ids.slice(0, limit)) {
      const user = await this.#store.users.findById(id)
      if (user?.enabled) users.push(user)
    }
    return { users, moreResultsAvailable: ids.length > limit }
  }

  /** A directory user's photo (any signed-in user may see any user's photo, as on Lync). */
  async photo(_session: Session, address: string): Promise<PhotoResult> {
    const uri = parseSipUri(address)
    const user = uri && (await this.#directoryUser(uri))
    if (!user) throw notFound('photo')
    const photo = (await this.#store.users.photo(user.id)) ?? null
    return { user, photo, etag: photo ? photoEtag(photo.bytes) : undefined }
  }

  // ---- helpers --------------------------------------------------------------------------------

  // The owner's groups, creating Other Contacts and Favorites when they do not exist yet.
  async #groups(tx: Tx, owner: UserId): Promise<GroupList> {
    const all = await tx.contacts.groups(owner)
    for (const kind of ['default', 'pinned'] as const) {
      if (all.some((g) => g.kind === kind)) continue
      const group: ContactGroup = {
        id: this.#newGroupId(),
        ownerId: owner,
        kind,
        name: SYSTEM_GROUP_NAMES[kind],
        createdAt: this.#clock.now(),
      }
      await tx.contacts.insertGroup(group)
      all.push(group)
    }
    const list = listOf(all)
    if (!list) throw new Error('system groups missing after creation')
    return list
  }

  async #membershipParts(session: Session, id: string): Promise<{ group: ContactGroup; uri: SipUri }> {
    const parts = parseMembershipId(id)
    const uri = parts && parseSipUri(parts.address)
    if (!parts || !uri) throw notFound('group membership')
    const group = await this.group(session, parts.groupId)
    return { group, uri }
  }

  /** The contact list shows directory data for users that are still in the directory. */
  async #entries(uris: readonly SipUri[]): Promise<ContactEntry[]> {
    const out: ContactEntry[] = []
    for (const uri of uris) out.push({ uri, user: await this.#directoryUser(uri) })
    return out
  }

  async #directoryUser(uri: SipUri): Promise<User | undefined> {
    const user = await this.#store.users.findBySipUri(uri)
    return user?.enabled ? user : undefined
  }

  #newGroupId(): string {
    return this.#random.token(9)
  }

  #groupName(name: string): string {
    const clean = name.trim()
    const invalid = !clean
      ? 'is required'
      : clean.length > this.#limits.maxGroupName
        ? `is longer than ${this.#limits.maxGroupName} characters`
        : // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
          /[\u0000-\u001f\u007f]/.test(clean)
          ? 'contains control characters'
          : undefined
    if (invalid) {
      throw new UcwaError('ParameterValidationFailure', {
        message: `The group name ${invalid}.`,
        parameters: [{ name: 'name', reason: invalid }],
      })
    }
    return clean
  }
}

function listOf(all: readonly ContactGroup[]): GroupList | undefined {
  const defaultGroup = all.find((g) => g.kind === 'default')
  const pinnedGroup = all.find((g) => g.kind === 'pinned')
  if (!defaultGroup || !pinnedGroup) return undefined
  return { defaultGroup, pinnedGroup, groups: all.filter((g) => g.kind === 'user') }
}

const allGroups = (list: GroupList): ContactGroup[] => [list.defaultGroup, list.pinnedGroup, ...list.groups]

const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase()

const groupRef = (group: Pick<ContactGroup, 'id' | 'kind' | 'name'>): Ref => ({
  rel: groupRel(group.kind),
  ids: [group.id],
  title: group.name,
})

function contactEvent(uri: SipUri, into: Ref, type: 'added' | 'deleted', name?: string): ChannelEvent {
  return {
    sender: PEOPLE,
    link: name === undefined ? { rel: 'contact', ids: [uri] } : { rel: 'contact', ids: [uri], title: name },
    in: into,
    type,
    priority: 'high',
  }
}

/** The myGroupMemberships view (revision 2) changed: one membership added or deleted. */
function membershipEvent(groupId: string, uri: SipUri, type: 'added' | 'deleted'): ChannelEvent {
  return {
    sender: PEOPLE,
    link: { rel: 'myGroupMembership', ids: [membershipId(groupId, uri)] },
    in: { rel: 'myGroupMemberships' },
    type,
    priority: 'high',
  }
}

async function recipients(tx: Tx, owner: UserId) {
  return (await tx.applications.listByUser(owner)).map((a) => a.id)
}

function requirePersonal(group: ContactGroup, verb: string): void {
  if (group.kind !== 'user') {
    throw new UcwaError('Forbidden', { message: `"${group.name}" is a system group; it cannot be ${verb}.` })
  }
}

function requireContactUri(text: string): SipUri {
  const uri = parseSipUri(text)
  if (!uri) {
    throw new UcwaError('ParameterValidationFailure', {
      message: 'contactUri must be a SIP address (sip:user@domain).',
      parameters: [{ name: 'contactUri', reason: 'is not a SIP address' }],
    })
  }
  return uri
}

const notFound = (what: string) => new UcwaError('ResourceNotFound', { message: `No such ${what}.` })

const groupExists = (name: string) =>
  new UcwaError('AlreadyExists', { message: `A group named "${name}" already exists.` })

/**
 * The digits of a phone-like query (`+1 (425) 555-0101`, `tel:+14255550101`, `555 0101`), which
 * are matched against the stored `tel:` URIs; undefined for other queries or fewer than 3 digits.
 */
export function phoneDigits(query: string): string | undefined {
  const text = query.replace(/^tel:/i, '')
  if (!/^[+\d\s().\-/]+$/.test(text)) return undefined
  const digits = text.replace(/\D/g, '')
  return digits.length >= 3 ? digits : undefined
}
