import type { ApplicationId, UserId } from '../ids.ts'

/** How an application is treated for lifetime and policy: a phone/tablet app, a browser or a desktop. */
export type EndpointKind = 'browser' | 'mobile' | 'desktop'

/** The user-settable part of the `communication` resource (PUT communication, makeMeAvailable). */
export interface CommunicationSettings {
  readonly audioPreference: 'PhoneAudio' | 'VoipAudio'
  readonly conversationHistory: 'Enabled' | 'Disabled'
  readonly phoneNumber: string | null
  readonly publishEndpointLocation: boolean
  readonly supportedMessageFormats: readonly string[]
  readonly supportedModalities: readonly string[]
  readonly videoBasedScreenSharing: 'Enabled' | 'Disabled'
}

export const DEFAULT_COMMUNICATION: CommunicationSettings = {
  audioPreference: 'VoipAudio',
  conversationHistory: 'Disabled',
  phoneNumber: null,
  publishEndpointLocation: false,
  supportedMessageFormats: ['Plain'],
  supportedModalities: [],
  videoBasedScreenSharing: 'Disabled',
}

/** A UCWA application: one signed-in endpoint of a user on their home pool. */
export interface Application {
  readonly id: ApplicationId
  readonly userId: UserId
  readonly pool: string
  readonly endpointId: string
  readonly userAgent: string
  readonly culture: string
  /** The `type` the client declared (`Browser` when it gave none). */
  readonly type: string
  readonly instanceId: string | null
  readonly kind: EndpointKind
  readonly createdAt: number
  readonly lastActivityAt: number
  /** When the application expires unless it is used again (idle deadline). */
  readonly expiresAt: number
  readonly communication: CommunicationSettings
  /** True once makeMeAvailable was called: the endpoint takes part in presence and receives. */
  readonly available: boolean
  /** Last user activity (makeMeAvailable, reportMyActivity), which drives Inactive and Away. */
  readonly userActiveAt: number
}

export type NewApplication = Omit<Application, 'available' | 'userActiveAt'>

export interface ApplicationUpdate {
  readonly userAgent?: string
  readonly culture?: string
  readonly instanceId?: string | null
  readonly lastActivityAt?: number
  readonly expiresAt?: number
  readonly communication?: CommunicationSettings
  readonly available?: boolean
  readonly userActiveAt?: number
}

/** Input of POST applications, after case-insensitive property matching. */
export interface ApplicationInput {
  readonly userAgent: string
  readonly endpointId: string
  readonly culture: string
  readonly type?: string | undefined
  readonly instanceId?: string | undefined
}
