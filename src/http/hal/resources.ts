// The application and its hub resources as UCWA JSON (HAL-style: properties, `rel`, `_links`,
// `_embedded`). Routes render through these builders only; they never concatenate URLs.
import type { Application } from '../../domain/applications/application-types.ts'
import type { ClientPolicies } from '../../domain/policies/client-policies.ts'
import { phoneLinesOf } from '../../domain/users/phones.ts'
import { addressOf } from '../../domain/users/sip-uri.ts'
import type { User } from '../../domain/users/user-types.ts'
import { etagOf, PUT_GUID_VALUE, putGuid } from './etag.ts'
import { type AppPaths, communicationLinks, onlineMeetingsLinks, peopleLinks } from './ucwa-paths.ts'

export interface HalLink {
  readonly href: string
  readonly title?: string
  readonly revision?: string
}

export type HalResource = {
  readonly rel: string
  readonly _links: Record<string, HalLink | HalLink[]>
} & Record<string, unknown>

const links = (hrefs: Record<string, string>): Record<string, HalLink> =>
  Object.fromEntries(Object.entries(hrefs).map(([rel, href]) => [rel, { href }]))

/** ASP.NET JSON date, as UCWA writes every date: `/Date(1364327898968)/`. */
export const aspNetDate = (ms: number): string => `/Date(${ms})/`

/** `me`: before makeMeAvailable the application is a "lurker" (makeMeAvailable offered); after it,
 * presence, note, location and reportMyActivity appear instead (docs/protocol.md §5.1). */
export function renderMe(user: User, paths: AppPaths, available: boolean): HalResource {
  // The same numbers me/phones lists; Lync left out what the user did not have (the trace in
  // CreateAnApplication.md shows `me` with name and uri only), so empty ones are omitted here.
  const phones: Record<string, string> = {}
  for (const line of phoneLinesOf(user)) if (line.number) phones[`${line.kind}PhoneNumber`] = line.number
  return {
    name: user.displayName,
    uri: user.sipUri,
    emailAddresses: user.email ? [user.email] : [],
    ...(user.title ? { title: user.title } : {}),
    ...(user.department ? { department: user.department } : {}),
    ...phones,
    rel: 'me',
    _links: links({
      self: paths.me,
      ...(available
        ? {
            presence: `${paths.me}/presence`,
            note: `${paths.me}/note`,
            location: `${paths.me}/location`,
            reportMyActivity: `${paths.me}/reportMyActivity`,
          }
        : { makeMeAvailable: paths.makeMeAvailable }),
      callForwardingSettings: paths.callForwardingSettings,
      phones: paths.phones,
      photo: paths.photo(addressOf(user.sipUri)),
    }),
  }
}

export function renderPeople(paths: AppPaths): HalResource {
  return { rel: 'people', _links: links(peopleLinks(paths.app)) }
}

export function renderOnlineMeetings(paths: AppPaths): HalResource {
  return { rel: 'onlineMeetings', _links: links(onlineMeetingsLinks(paths.app)) }
}

/** The communication resource's own properties (what its etag covers). */
export function communicationProperties(app: Pick<Application, 'communication'>): Record<string, unknown> {
  const c = app.communication
  return {
    audioPreference: c.audioPreference,
    conversationHistory: c.conversationHistory,
    ...(c.phoneNumber ? { phoneNumber: c.phoneNumber } : {}),
    publishEndpointLocation: c.publishEndpointLocation,
    simultaneousRingNumberMatch: 'Disabled',
    supportedMessageFormats: c.supportedMessageFormats,
    supportedModalities: c.supportedModalities,
    videoBasedScreenSharing: c.videoBasedScreenSharing,
  }
}

export function renderCommunication(
  app: Pick<Application, 'id' | 'communication'>,
  paths: AppPaths,
): HalResource {
  const properties = communicationProperties(app)
  return {
    [putGuid(app.id, 'communication')]: PUT_GUID_VALUE,
    ...properties,
    etag: etagOf(properties),
    rel: 'communication',
    _links: links(communicationLinks(paths.app)),
  }
}

export function renderPolicies(policies: ClientPolicies, paths: AppPaths): HalResource {
  return { ...policies, rel: 'policies', _links: links({ self: paths.policies }) }
}

export function renderApplication(app: Application, user: User, paths: AppPaths): HalResource {
  const properties = {
    culture: app.culture,
    userAgent: app.userAgent,
    type: app.type,
    endpointId: app.endpointId,
    ...(app.instanceId ? { instanceId: app.instanceId } : {}),
  }
  return {
    // The id in the application's href: tonybaloney/pyucwa (SfB Online era) builds
    // `/applications/<id>/me/makeMeAvailable` from it. Additive; other clients ignore it.
    id: app.id,
    ...properties,
    etag: etagOf(properties),
    expires: aspNetDate(app.expiresAt),
    rel: 'application',
    _links: links({
      self: paths.app,
      policies: paths.policies,
      batch: paths.batch,
      events: paths.events(1),
      // Parley's extension (docs/policies.md): clients may say whether they are on Wi-Fi.
      reportNetworkType: `${paths.app}/reportNetworkType`,
    }),
    _embedded: {
      me: renderMe(user, paths, app.available),
      people: renderPeople(paths),
      onlineMeetings: renderOnlineMeetings(paths),
      communication: renderCommunication(app, paths),
    },
  }
}
