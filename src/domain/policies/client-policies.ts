// The `policies` resource: admin settings a client must honour. Until the policy issue lands the
// values come from the mobility-policy defaults (admin-surface §1.2) and the user's voice settings.
import type { User } from '../users/user-types.ts'

export type GenericPolicy = 'Enabled' | 'Disabled'

export type ClientPolicies = Readonly<Record<string, string>>

const flag = (on: boolean): GenericPolicy => (on ? 'Enabled' : 'Disabled')

/** UCWA `policies` properties for `user` under the default (Global) mobility policy. */
export function defaultClientPolicies(user: User): ClientPolicies {
  const voice = user.enterpriseVoice
  const policies: Record<string, string> = {
    audioOnlyOnWifi: flag(false),
    videoOnlyOnWifi: flag(false),
    sharingOnlyOnWifi: flag(false),
    customerExperienceImprovementProgram: flag(true),
    clientExchangeConnectivity: flag(true),
    saveCallLogs: flag(true),
    saveCredentials: flag(true),
    saveMessagingHistory: flag(true),
    emoticons: flag(true),
    htmlMessaging: flag(true),
    messagingUrls: flag(true),
    photos: flag(true),
    logging: flag(false),
    loggingLevel: 'Off',
    messageArchiving: flag(false),
    exchangeUnifiedMessaging: flag(false),
    telephonyMode: voice ? 'Uc' : 'AudioVideo',
  }
  if (voice) policies.voicemailUri = `${user.sipUri};opaque=app:voicemail`
  return policies
}
