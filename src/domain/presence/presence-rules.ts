// Presence aggregation across a user's endpoints, the way Lync does it (docs/protocol.md §5).
// Pure: state and time in, aggregate and the next moment it could change out. See docs/presence.md.
import type { EndpointKind } from '../applications/application-types.ts'

/** What a user may ask for (PreferredAvailability); `Offwork` shows as Away + activity off-work. */
export const PREFERRED_AVAILABILITIES = [
  'Online',
  'Busy',
  'DoNotDisturb',
  'BeRightBack',
  'Away',
  'Offwork',
] as const
export type PreferredAvailability = (typeof PREFERRED_AVAILABILITIES)[number]

/** What others see (Availability). */
export type Availability =
  | 'Online'
  | 'IdleOnline'
  | 'Busy'
  | 'IdleBusy'
  | 'DoNotDisturb'
  | 'BeRightBack'
  | 'Away'
  | 'Offline'

export type DeviceType = 'PC' | 'Mobile' | 'Web' | 'Unknown'

/** One signed-in endpoint (an application after makeMeAvailable). */
export interface Endpoint {
  readonly kind: EndpointKind
  /** Last user activity (makeMeAvailable, reportMyActivity). */
  readonly userActiveAt: number
  /** When the application expires unless used again. */
  readonly expiresAt: number
}

export interface Aggregate {
  readonly availability: Availability
  /** Well-known activity token (`off-work`), or undefined. */
  readonly activity: string | undefined
  readonly deviceType: DeviceType
}

export interface PresenceTimers {
  /** Without user activity for this long an endpoint is Inactive (IdleOnline). Lync: 5 min. */
  readonly inactiveMs: number
  /** Without user activity for this long an endpoint is Away. */
  readonly awayMs: number
}

export const DEFAULT_PRESENCE_TIMERS: PresenceTimers = { inactiveMs: 5 * 60_000, awayMs: 15 * 60_000 }

type Machine = 'active' | 'inactive' | 'away'
const RANK: Record<Machine, number> = { active: 0, inactive: 1, away: 2 }
const DEVICE: Record<EndpointKind, DeviceType> = { mobile: 'Mobile', browser: 'Web', desktop: 'PC' }

function machineState(endpoint: Endpoint, now: number, timers: PresenceTimers): Machine {
  const idle = now - endpoint.userActiveAt
  if (idle >= timers.awayMs) return 'away'
  if (idle >= timers.inactiveMs) return 'inactive'
  return 'active'
}

/**
 * The user's presence from their explicit choice (`manual`, null for automatic) and their live
 * endpoints: no endpoint → Offline; an explicit state wins over the machine state (Busy turns
 * IdleBusy when every endpoint is idle); otherwise the most active endpoint decides. Also returns
 * when the result could next change without any request (an endpoint going idle or expiring).
 */
export function aggregatePresence(
  manual: PreferredAvailability | null,
  endpoints: readonly Endpoint[],
  now: number,
  timers: PresenceTimers = DEFAULT_PRESENCE_TIMERS,
): { aggregate: Aggregate; nextCheckAt: number | undefined } {
  const live = endpoints.filter((e) => e.expiresAt > now)
  let best: { endpoint: Endpoint; state: Machine } | undefined
  let nextCheckAt: number | undefined
  const soonest = (t: number) => {
    if (t > now && (nextCheckAt === undefined || t < nextCheckAt)) nextCheckAt = t
  }
  for (const endpoint of live) {
    const state = machineState(endpoint, now, timers)
    if (!best || RANK[state] < RANK[best.state]) best = { endpoint, state }
    soonest(endpoint.userActiveAt + timers.inactiveMs)
    soonest(endpoint.userActiveAt + timers.awayMs)
    soonest(endpoint.expiresAt)
  }
  if (!best)
    return { aggregate: { availability: 'Offline', activity: undefined, deviceType: 'Unknown' }, nextCheckAt }
  const deviceType = DEVICE[best.endpoint.kind]
  const automatic: Record<Machine, Availability> = { active: 'Online', inactive: 'IdleOnline', away: 'Away' }
  const of = (availability: Availability, activity?: string): Aggregate => ({
    availability,
    activity,
    deviceType,
  })
  switch (manual) {
    case 'Busy':
      return { aggregate: of(best.state === 'active' ? 'Busy' : 'IdleBusy'), nextCheckAt }
    case 'DoNotDisturb':
      return { aggregate: of('DoNotDisturb'), nextCheckAt }
    case 'BeRightBack':
      return { aggregate: of('BeRightBack'), nextCheckAt }
    case 'Away':
      return { aggregate: of('Away'), nextCheckAt }
    case 'Offwork':
      return { aggregate: of('Away', 'off-work'), nextCheckAt }
    default:
      return { aggregate: of(automatic[best.state]), nextCheckAt }
  }
}

export const PRIVACY_LEVELS = ['Blocked', 'External', 'Colleagues', 'Workgroup', 'FriendsAndFamily'] as const
export type PrivacyLevel = (typeof PRIVACY_LEVELS)[number]

/** What a watcher at `level` sees of someone's presence, note and location. See docs/presence.md. */
export interface PresenceView {
  readonly availability: Availability
  readonly activity: string | undefined
  readonly deviceType: DeviceType
  readonly lastActive: number | undefined
  readonly note: { readonly message: string; readonly type: 'Personal' | 'OutOfOffice' } | undefined
  readonly location: string | undefined
  /** Modalities the user can be reached with; none when Offline or hidden. */
  readonly modalities: readonly string[]
}

export function viewFor(
  level: PrivacyLevel,
  state: {
    aggregate: Aggregate
    lastActive: number | undefined
    note: string | null
    outOfOffice: string | null
    location: string | null
    modalities?: readonly string[]
  },
): PresenceView {
  if (level === 'Blocked') {
    return {
      availability: 'Offline',
      activity: undefined,
      deviceType: 'Unknown',
      lastActive: undefined,
      note: undefined,
      location: undefined,
      modalities: [],
    }
  }
  const { aggregate } = state
  const modalities = aggregate.availability === 'Offline' ? [] : (state.modalities ?? [])
  const note = state.outOfOffice
    ? { message: state.outOfOffice, type: 'OutOfOffice' as const }
    : state.note
      ? { message: state.note, type: 'Personal' as const }
      : undefined
  if (level === 'External') {
    // Availability only: no activity, note, location or last-active time outside the company.
    return {
      ...aggregate,
      activity: undefined,
      lastActive: undefined,
      note: undefined,
      location: undefined,
      modalities,
    }
  }
  const location = level === 'Colleagues' ? undefined : (state.location ?? undefined)
  return { ...aggregate, lastActive: state.lastActive, note, location, modalities }
}
