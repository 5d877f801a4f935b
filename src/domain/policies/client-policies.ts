// The `policies` resource (docs/protocol.md §10.1) and the media a user may use, from the user's
// effective mobility policy (docs/admin-reference.md §1.2). Pure.
import type { User } from '../users/user-types.ts'
import { defaultsOf, MOBILITY_PARAMETERS, type Settings } from './parameters.ts'

export type GenericPolicy = 'Enabled' | 'Disabled'

export type ClientPolicies = Readonly<Record<string, string>>

const flag = (on: unknown): GenericPolicy => (on === true ? 'Enabled' : 'Disabled')

/** The mobility-policy defaults (the Global policy nobody changed). */
export const DEFAULT_MOBILITY: Settings = defaultsOf(MOBILITY_PARAMETERS)

/** What the effective mobility policy lets the user do with media, server-side. */
export interface MediaRights {
  /** EnableIPAudioVideo: VoIP and video (Audio, Video, PanoramicVideo). */
  readonly audioVideo: boolean
  /** Call via Work (startPhoneAudio): EnableOutsideVoice and Enterprise Voice (EnableMobility is
   * checked at sign-in; a desktop or browser app has no Call via Work policy gate in UCWA). */
  readonly phoneAudio: boolean
}

export function mediaRights(user: User, mobility: Settings): MediaRights {
  return {
    audioVideo: mobility.EnableIPAudioVideo === true,
    phoneAudio:
      mobility.EnableOutsideVoice === true && mobility.EnableMobility === true && user.enterpriseVoice,
  }
}

const AUDIO_VIDEO = new Set(['Audio', 'Video', 'PanoramicVideo'])

/** The modalities an endpoint may advertise (makeMeAvailable, PUT communication) under `rights`. */
export function allowedModalities(modalities: readonly string[], rights: MediaRights): string[] {
  return modalities.filter((m) =>
    AUDIO_VIDEO.has(m) ? rights.audioVideo : m === 'PhoneAudio' ? rights.phoneAudio : true,
  )
}

/** UCWA `policies` properties for `user` under the effective mobility policy `mobility`. */
export function clientPolicies(user: User, mobility: Settings = DEFAULT_MOBILITY): ClientPolicies {
  const voice = user.enterpriseVoice
  const rights = mediaRights(user, mobility)
  const policies: Record<string, string> = {
    audioOnlyOnWifi: flag(mobility.RequireWiFiForIPAudio),
    videoOnlyOnWifi: flag(mobility.RequireWIFIForIPVideo),
    sharingOnlyOnWifi: flag(mobility.RequireWiFiForSharing),
    customerExperienceImprovementProgram: flag(mobility.AllowCustomerExperienceImprovementProgram),
    clientExchangeConnectivity: flag(mobility.AllowExchangeConnectivity),
    saveCallLogs: flag(mobility.AllowSaveCallLogs),
    saveCredentials: flag(mobility.AllowSaveCredentials),
    saveMessagingHistory: flag(mobility.AllowSaveIMHistory),
    encryptAppData: flag(mobility.EncryptAppData),
    allowDeviceContactsSync: flag(mobility.AllowDeviceContactsSync),
    emoticons: flag(true),
    htmlMessaging: flag(true),
    messagingUrls: flag(true),
    photos: flag(true),
    logging: flag(false),
    loggingLevel: 'Off',
    messageArchiving: flag(false),
    exchangeUnifiedMessaging: flag(false),
    // "which audio capabilities are possible" (policies_ref); without VoIP only Call via Work is.
    telephonyMode: rights.audioVideo
      ? voice
        ? 'Uc'
        : 'AudioVideo'
      : rights.phoneAudio
        ? 'PhoneAudio'
        : 'None',
  }
  if (voice) policies.voicemailUri = `${user.sipUri};opaque=app:voicemail`
  return policies
}

/** Kept for callers that want the defaults (the Global policy nobody changed). */
export const defaultClientPolicies = (user: User): ClientPolicies => clientPolicies(user)
