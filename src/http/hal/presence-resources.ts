// Presence subscriptions, their memberships, contact presence/note/location/supportedMedia and
// privacy relationships as UCWA resources (docs/protocol.md §5.3, §6; presenceSubscription_ref.md,
// presenceSubscriptionMemberships_ref.md, myPrivacyRelationships_ref.md,
// contactPrivacyRelationship2_ref.md). Hrefs come from refs.ts only.
import type { PresenceView, PrivacyLevel } from '../../domain/presence/presence-rules.ts'
import type { Membership } from '../../domain/presence/subscription-service.ts'
import { contactHref } from './contact-links.ts'
import type { EmbeddedRenderer } from './events.ts'
import { hrefOf } from './refs.ts'
import { aspNetDate, type HalLink, type HalResource } from './resources.ts'
import type { AppPaths } from './ucwa-paths.ts'

const href = (rel: string, ids: readonly string[], paths: AppPaths): HalLink => ({
  href: hrefOf({ rel, ids }, paths),
})

/** `{id, _links: {self, memberships, addToPresenceSubscription}, rel}` — as the Lync 2013 trace. */
export function renderPresenceSubscription(id: string, paths: AppPaths): HalResource {
  const memberships = href('presenceSubscriptionMemberships', [id], paths)
  return {
    id,
    rel: 'presenceSubscription',
    _links: {
      self: href('presenceSubscription', [id], paths),
      memberships,
      addToPresenceSubscription: memberships,
    },
  }
}

/** Renders `presenceSubscription` embedded in its events (the near-expiry `updated`). */
export const renderEmbeddedPresenceSubscription: EmbeddedRenderer = (data, ref, paths) =>
  renderPresenceSubscription(typeof data.id === 'string' ? data.id : (ref.ids?.[0] ?? ''), paths)

export function renderPresenceSubscriptions(ids: readonly string[], paths: AppPaths): HalResource {
  return {
    rel: 'presenceSubscriptions',
    _links: { self: { href: hrefOf({ rel: 'presenceSubscriptions' }, paths) } },
    _embedded: { presenceSubscription: ids.map((id) => renderPresenceSubscription(id, paths)) },
  }
}

export function renderMembership(m: Membership, paths: AppPaths): HalResource {
  return {
    rel: 'presenceSubscriptionMembership',
    _links: {
      self: href('presenceSubscriptionMembership', [m.subscriptionId, m.uri], paths),
      contact: { href: contactHref(m.uri, paths) },
      presenceSubscription: href('presenceSubscription', [m.subscriptionId], paths),
    },
  }
}

/** The memberships of one subscription (`subscriptionId`) or of all of the application's. */
export function renderMemberships(
  memberships: readonly Membership[],
  subscriptionId: string | undefined,
  paths: AppPaths,
): HalResource {
  const self =
    subscriptionId === undefined
      ? `${paths.people}/presenceSubscriptionMemberships`
      : hrefOf({ rel: 'presenceSubscriptionMemberships', ids: [subscriptionId] }, paths)
  return {
    rel: 'presenceSubscriptionMemberships',
    _links: { self: { href: self } },
    _embedded: { presenceSubscriptionMembership: memberships.map((m) => renderMembership(m, paths)) },
  }
}

/** `contactPresence`: availability, activity when visible, device type, last active time. */
export function renderContactPresence(uri: string, view: PresenceView, paths: AppPaths): HalResource {
  return {
    availability: view.availability,
    ...(view.activity ? { activity: view.activity } : {}),
    deviceType: view.deviceType,
    ...(view.lastActive !== undefined ? { lastActive: aspNetDate(view.lastActive) } : {}),
    rel: 'contactPresence',
    _links: { self: href('contactPresence', [uri], paths) },
  }
}

/**
 * A note's properties: the out-of-office note when set, else the personal note. `message` is
 * always there, "" when there is none or the view hides it: clients read it unconditionally
 * (GetMyNoteInformation.md shows both properties; docs/presence.md).
 */
const noteProperties = (view: PresenceView) => ({
  message: view.note?.message ?? '',
  type: view.note?.type ?? 'Personal',
})

/** A location's only property, "" when there is none or the view hides it. */
const locationProperties = (view: PresenceView) => ({ location: view.location ?? '' })

/** The user's own `presence`: availability, and the activity when there is one. */
export function renderPresence(view: PresenceView, paths: AppPaths): HalResource {
  return {
    availability: view.availability,
    ...(view.activity ? { activity: view.activity } : {}),
    rel: 'presence',
    _links: { self: href('presence', [], paths) },
  }
}

export const renderNote = (view: PresenceView, paths: AppPaths): HalResource => ({
  ...noteProperties(view),
  rel: 'note',
  _links: { self: href('note', [], paths) },
})

export const renderLocation = (view: PresenceView, paths: AppPaths): HalResource => ({
  ...locationProperties(view),
  rel: 'location',
  _links: { self: href('location', [], paths) },
})

/** `contactNote`: as the user's own note, as far as the watcher may see it. */
export const renderContactNote = (uri: string, view: PresenceView, paths: AppPaths): HalResource => ({
  ...noteProperties(view),
  rel: 'contactNote',
  _links: { self: href('contactNote', [uri], paths) },
})

export const renderContactLocation = (uri: string, view: PresenceView, paths: AppPaths): HalResource => ({
  ...locationProperties(view),
  rel: 'contactLocation',
  _links: { self: href('contactLocation', [uri], paths) },
})

export function renderContactSupportedModalities(
  uri: string,
  modalities: readonly string[],
  paths: AppPaths,
): HalResource {
  return {
    modalities: [...modalities],
    rel: 'contactSupportedModalities',
    _links: { self: href('contactSupportedModalities', [uri], paths) },
  }
}

/** contactPrivacyRelationship (revision 2: with the reset link). */
export function renderContactPrivacyRelationship(
  uri: string,
  level: PrivacyLevel,
  paths: AppPaths,
): HalResource {
  return {
    relationshipLevel: level,
    rel: 'contactPrivacyRelationship',
    _links: {
      self: href('contactPrivacyRelationship', [uri], paths),
      resetContactPrivacyRelationship: href('resetContactPrivacyRelationship', [uri], paths),
    },
  }
}

/** One level of myPrivacyRelationships and the contacts the user put there. */
export function renderMyPrivacyRelationship(
  level: PrivacyLevel,
  contacts: readonly string[],
  paths: AppPaths,
): HalResource {
  return {
    relationshipLevel: level,
    rel: 'myPrivacyRelationship',
    _links: {
      self: href('myPrivacyRelationship', [level], paths),
      contact: contacts.map((uri) => ({ href: contactHref(uri, paths) })),
    },
  }
}

/** myPrivacyRelationships: every level, each listing the contacts explicitly put there. */
export function renderMyPrivacyRelationships(
  byLevel: ReadonlyMap<PrivacyLevel, readonly string[]>,
  paths: AppPaths,
): HalResource {
  const levels = [...byLevel.keys()]
  return {
    rel: 'myPrivacyRelationships',
    _links: {
      self: { href: hrefOf({ rel: 'myPrivacyRelationships' }, paths) },
      myPrivacyRelationship: levels.map((level) => href('myPrivacyRelationship', [level], paths)),
    },
    _embedded: {
      myPrivacyRelationship: levels.map((level) =>
        renderMyPrivacyRelationship(level, byLevel.get(level) ?? [], paths),
      ),
    },
  }
}
