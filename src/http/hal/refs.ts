// Resource references (domain) → hrefs (wire), for one application. Every rel an event can name
// is here, in the real Lync 2013 layout (docs/protocol.md §13). An unknown rel is a programming
// error and throws.
import type { Ref } from '../../domain/events/channel-event.ts'
import type { AppPaths } from './ucwa-paths.ts'

/** `sip:bob@example.test` → `bob@example.test`: contact and participant URLs end in the bare address. */
export const bare = (uri: string): string =>
  (uri.toLowerCase().startsWith('sip:') ? uri.slice(4) : uri).toLowerCase()

type HrefOf = (a: string, ids: readonly string[]) => string

const id = (ids: readonly string[], i = 0): string => {
  const value = ids[i]
  if (value === undefined) throw new Error('resource reference is missing an id')
  return value
}

const people = (a: string) => `${a}/people`
const contact = (a: string, ids: readonly string[]) => `${people(a)}/${bare(id(ids))}`

const conversation = (a: string, ids: readonly string[]) => `${a}/communication/conversations/${id(ids)}`
const participant = (a: string, ids: readonly string[]) =>
  `${conversation(a, ids)}/participants/${bare(id(ids, 1))}`

export const HREFS: Readonly<Record<string, HrefOf>> = {
  conversations: (a) => `${a}/communication/conversations`,
  conversation,
  messagingInvitation: (a, ids) => `${a}/communication/messagingInvitations/${id(ids)}`,
  participantInvitation: (a, ids) => `${a}/communication/participantInvitations/${id(ids)}`,
  messaging: (a, ids) => `${conversation(a, ids)}/messaging`,
  participants: (a, ids) => `${conversation(a, ids)}/participants`,
  participant,
  localParticipant: participant,
  participantMessaging: (a, ids) => `${participant(a, ids)}/messaging`,
  message: (a, ids) => `${conversation(a, ids)}/messaging/messages/${id(ids, 1)}`,
  typingParticipants: (a, ids) => `${conversation(a, ids)}/messaging/typingParticipants`,
  missedItems: (a) => `${a}/communication/missedItems`,
  conversationLogs: (a) => `${a}/communication/conversationLogs`,
  conversationLog: (a, ids) => `${a}/communication/conversationLogs/${id(ids)}`,
  conversationLogTranscripts: (a, ids) =>
    `${a}/communication/conversationLogs/${id(ids)}/conversationLogTranscripts`,
  // One transcript entry: ids [log id, entry key].
  conversationLogTranscript: (a, ids) =>
    `${a}/communication/conversationLogs/${id(ids)}/conversationLogTranscripts/${id(ids, 1)}`,
  // One recipient of a log: ids [log id, SIP URI].
  conversationLogRecipient: (a, ids) =>
    `${a}/communication/conversationLogs/${id(ids)}/conversationLogRecipients/${bare(id(ids, 1))}`,
  application: (a) => a,
  me: (a) => `${a}/me`,
  presence: (a) => `${a}/me/presence`,
  note: (a) => `${a}/me/note`,
  location: (a) => `${a}/me/location`,
  phones: (a) => `${a}/me/phones`,
  communication: (a) => `${a}/communication`,
  policies: (a) => `${a}/policies`,
  people,
  contact,
  contactPresence: (a, ids) => `${contact(a, ids)}/presence`,
  contactNote: (a, ids) => `${contact(a, ids)}/note`,
  contactLocation: (a, ids) => `${contact(a, ids)}/location`,
  contactSupportedModalities: (a, ids) => `${contact(a, ids)}/supportedMedia`,
  contactPrivacyRelationship: (a, ids) => `${contact(a, ids)}/privacyRelationship`,
  contactPhoto: (a, ids) => `${a}/photos/${bare(id(ids))}`,
  myContacts: (a) => `${people(a)}/contacts`,
  myGroups: (a) => `${people(a)}/groups`,
  myGroupMemberships: (a) => `${people(a)}/groupMemberships`,
  myPrivacyRelationships: (a) => `${people(a)}/privacyRelationships`,
  subscribedContacts: (a) => `${people(a)}/subscribedContacts`,
  presenceSubscriptions: (a) => `${people(a)}/presenceSubscriptions`,
  presenceSubscription: (a, ids) => `${people(a)}/presenceSubscriptions/${id(ids)}`,
  presenceSubscriptionMemberships: (a, ids) =>
    `${people(a)}/presenceSubscriptionMemberships?presenceSubscriptionId=${id(ids)}`,
  group: (a, ids) => `${people(a)}/groups/${id(ids)}`,
  defaultGroup: (a, ids) => `${people(a)}/groups/${id(ids)}`,
  pinnedGroup: (a, ids) => `${people(a)}/groups/${id(ids)}`,
  groupContacts: (a, ids) => `${people(a)}/groups/${id(ids)}/contacts`,
  myGroupMembership: (a, ids) => `${people(a)}/groupMemberships/${id(ids)}`,
  myContactsAndGroupsSubscription: (a) => `${people(a)}/contactsAndGroupsSubscription`,
  // One contact's membership of one presence subscription: ids [subscription id, contact URI].
  presenceSubscriptionMembership: (a, ids) =>
    `${people(a)}/presenceSubscriptionMemberships/${id(ids)},${bare(id(ids, 1))}`,
  // The contacts the user put at one privacy level: ids [level].
  myPrivacyRelationship: (a, ids) => `${people(a)}/privacyRelationships/${id(ids)}`,
  resetContactPrivacyRelationship: (a, ids) =>
    `${contact(a, ids)}/privacyRelationship/resetContactPrivacyRelationship`,
}

/** The href of `ref` inside the application at `paths`. */
export function hrefOf(ref: Ref, paths: AppPaths): string {
  const href = HREFS[ref.rel]
  if (!href) throw new Error(`no href known for rel ${ref.rel}`)
  return href(paths.app, ref.ids ?? [])
}
