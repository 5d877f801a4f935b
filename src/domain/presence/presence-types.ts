import type { ApplicationId, UserId } from '../ids.ts'
import type { Availability, DeviceType, PreferredAvailability, PrivacyLevel } from './presence-rules.ts'

/** A user's stored presence: their own choices and the last published aggregate. */
export interface PresenceRecord {
  readonly userId: UserId
  /** The explicitly chosen availability, or null for automatic. */
  readonly manual: PreferredAvailability | null
  readonly note: string | null
  readonly location: string | null
  readonly availability: Availability
  readonly activity: string | null
  readonly deviceType: DeviceType
  readonly lastActiveAt: number | null
  /** When the aggregate could next change on its own (an endpoint idling or expiring). */
  readonly nextCheckAt: number | null
  readonly updatedAt: number
  /** What the live endpoints can be reached with (union of their supportedModalities, sorted). */
  readonly modalities: readonly string[]
}

export interface PresenceSubscription {
  readonly id: string
  readonly appId: ApplicationId
  readonly expiresAt: number
  readonly createdAt: number
}

/** An application watching a user's presence, and who owns it. */
export interface Watcher {
  readonly appId: ApplicationId
  readonly userId: UserId
  /** The watching user's SIP URI (privacy relationships are keyed by it). */
  readonly uri: string
}

export interface PrivacyRelationship {
  readonly contactUri: string
  readonly level: PrivacyLevel
}
