// Every UCWA href Parley hands out, in one place, following the real Lync 2013 / SfB layout
// (docs/protocol.md §13) because clients build some of these URLs themselves.
import type { ApplicationId } from '../../domain/ids.ts'

/** OAuth clients use /ucwa/oauth/v1; WebTicket (desktop and mobile) clients use /ucwa/v1. */
export const UCWA_PREFIXES = ['/ucwa/oauth/v1/applications', '/ucwa/v1/applications'] as const
export type UcwaPrefix = (typeof UCWA_PREFIXES)[number]

/** The prefix a request came in under, so the hrefs it gets back stay under it too. */
export function prefixOf(url: string): UcwaPrefix {
  // The router ignores duplicate slashes (`//ucwa/v1/…` from clients that join origin + href).
  return url
    .replace(/\/{2,}/g, '/')
    .toLowerCase()
    .startsWith('/ucwa/v1/')
    ? '/ucwa/v1/applications'
    : '/ucwa/oauth/v1/applications'
}

/** hrefs of one application's resources. */
export class AppPaths {
  readonly app: string
  readonly id: ApplicationId

  constructor(prefix: UcwaPrefix, id: ApplicationId) {
    this.app = `${prefix}/${id}`
    this.id = id
  }

  get policies(): string {
    return `${this.app}/policies`
  }
  get batch(): string {
    return `${this.app}/batch`
  }
  /** The event channel. Always has a `?` and ends with `ack=N` (clients append `&timeout=…`). */
  events(ack: number): string {
    return `${this.app}/events?ack=${ack}`
  }
  get me(): string {
    return `${this.app}/me`
  }
  get makeMeAvailable(): string {
    return `${this.app}/me/makeMeAvailable`
  }
  get callForwardingSettings(): string {
    return `${this.app}/me/callForwardingSettings`
  }
  get phones(): string {
    return `${this.app}/me/phones`
  }
  /** One phone line: `…/me/phones/work` (the real layout, batch_ref.md trace). */
  phone(kind: string): string {
    return `${this.phones}/${kind}`
  }
  /** A child of callForwardingSettings: `immediateForwardSettings`, `simultaneousRingSettings`,
   * `unansweredCallSettings`. */
  forwarding(child: string): string {
    return `${this.callForwardingSettings}/${child}`
  }
  /** Photo of a user: `…/photos/alice@example.test`. */
  photo(address: string): string {
    return `${this.app}/photos/${address}`
  }
  get people(): string {
    return `${this.app}/people`
  }
  get onlineMeetings(): string {
    return `${this.app}/onlineMeetings`
  }
  get communication(): string {
    return `${this.app}/communication`
  }
}

/** Link sets of the hub resources, exactly as a Lync 2013 pool laid them out (§3.1, §13). */
export function peopleLinks(a: string): Record<string, string> {
  const p = `${a}/people`
  return {
    self: p,
    presenceSubscriptions: `${p}/presenceSubscriptions`,
    subscribedContacts: `${p}/subscribedContacts`,
    presenceSubscriptionMemberships: `${p}/presenceSubscriptionMemberships`,
    myGroups: `${p}/groups`,
    myGroupMemberships: `${p}/groupMemberships`,
    myContacts: `${p}/contacts`,
    myPrivacyRelationships: `${p}/privacyRelationships`,
    myContactsAndGroupsSubscription: `${p}/contactsAndGroupsSubscription`,
    search: `${p}/search`,
  }
}

/**
 * The onlineMeetings hub. Parley has no meetings yet, so it links only to itself: a Lync pool
 * listed myOnlineMeetings, defaultValues, eligibleValues, customInvitation, policies and
 * phoneDialInInformation here (CreateAnApplication.md), and they come back with meetings.
 */
export function onlineMeetingsLinks(a: string): Record<string, string> {
  return { self: `${a}/onlineMeetings` }
}

/** The communication resource's links; startOnlineMeeting and joinOnlineMeeting
 * (`…/onlineMeetingInvitations`) wait for meetings. */
export function communicationLinks(a: string): Record<string, string> {
  const c = `${a}/communication`
  return {
    self: c,
    conversations: `${c}/conversations?filter=active`,
    startMessaging: `${c}/messagingInvitations`,
    missedItems: `${c}/missedItems`,
    conversationLogs: `${c}/conversationLogs`,
  }
}
