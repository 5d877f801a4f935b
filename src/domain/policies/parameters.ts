// The settings of the three admin objects (mobility policy, Mcx configuration, push configuration):
// every parameter, its type, its default and whether Parley acts on it. Pure data and checks.
// Sources: docs/admin-reference.md §1.2, §2, §3.1. See docs/policies.md.

export type SettingValue = boolean | string | number
export type Settings = Readonly<Record<string, SettingValue>>

export interface ParameterSpec {
  /** The cmdlet's spelling (matched case-insensitively on input). */
  readonly name: string
  readonly type: 'boolean' | 'string' | 'enum' | 'seconds' | 'sipUri'
  readonly default: SettingValue
  readonly values?: readonly string[]
  readonly min?: number
  readonly max?: number
  /** False: accepted and stored so cmdlet-era scripts keep working, but Parley does not act on it. */
  readonly enforced: boolean
  readonly description: string
}

const bool = (name: string, value: boolean, description: string, enforced = true): ParameterSpec => ({
  name,
  type: 'boolean',
  default: value,
  enforced,
  description,
})

export const MOBILITY_PARAMETERS: readonly ParameterSpec[] = [
  { name: 'Description', type: 'string', default: '', max: 1024, enforced: true, description: 'Free text.' },
  bool(
    'EnableMobility',
    true,
    'False: mobile clients cannot create an application (403 UserAgentNotAllowed).',
  ),
  bool('EnableOutsideVoice', true, 'Call via Work; needs Enterprise Voice. False: no startPhoneAudio.'),
  bool('EnableIPAudioVideo', true, 'False: no VoIP or video; Audio/Video never advertised.'),
  bool('RequireWiFiForIPAudio', false, 'policies.audioOnlyOnWifi (the client enforces it).'),
  bool('RequireWIFIForIPVideo', false, 'policies.videoOnlyOnWifi (the client enforces it).'),
  bool('RequireWiFiForSharing', false, 'policies.sharingOnlyOnWifi (the client enforces it).'),
  bool('AllowCustomerExperienceImprovementProgram', true, 'policies.customerExperienceImprovementProgram.'),
  bool('AllowSaveCallLogs', true, 'policies.saveCallLogs.'),
  bool('AllowExchangeConnectivity', true, 'policies.clientExchangeConnectivity.'),
  bool(
    'AllowSaveIMHistory',
    true,
    'policies.saveMessagingHistory; False: the server keeps no Archived logs.',
  ),
  bool('AllowSaveCredentials', true, 'policies.saveCredentials.'),
  // Online-only or reserved in Microsoft's products: stored, never acted on.
  bool('AllowAutomaticPstnFallback', false, 'Reserved by Microsoft; not enforced.', false),
  bool('EnablePushNotifications', true, 'Online only; push is governed by push-config. Not enforced.', false),
  bool('EncryptAppData', true, 'Online only; shown as policies.encryptAppData. Not enforced.', false),
  bool(
    'AllowDeviceContactsSync',
    true,
    'Online only; shown as policies.allowDeviceContactsSync. Not enforced.',
    false,
  ),
  bool('RequireIntune', false, 'Online only; not enforced.', false),
  {
    name: 'VoiceSettings',
    type: 'enum',
    default: 'VoIPAlways',
    values: ['VoIPAlways', 'VoIPOverWiFi', 'Cellular'],
    enforced: false,
    description: 'Online only; not enforced.',
  },
]

// UInt32 seconds; the lower bound is the cmdlet's.
const UINT32_MAX = 4_294_967_295

export const MCX_PARAMETERS: readonly ParameterSpec[] = [
  {
    name: 'ExposedWebURL',
    type: 'enum',
    default: 'External',
    values: ['External', 'Internal'],
    enforced: true,
    description: 'Internal: mobile clients may use the mobility services only through an internal listener.',
  },
  {
    name: 'SessionExpirationInterval',
    type: 'seconds',
    default: 259_200,
    min: 120,
    max: UINT32_MAX,
    enforced: false,
    description:
      'Session lifetime of push-using clients; must exceed SessionShortExpirationInterval. Stored for the push issue.',
  },
  {
    name: 'SessionShortExpirationInterval',
    type: 'seconds',
    default: 3_600,
    min: 120,
    max: UINT32_MAX,
    enforced: false,
    description: 'Session lifetime of always-connected clients. Stored for the push issue.',
  },
  {
    name: 'PushNotificationProxyUri',
    type: 'sipUri',
    default: 'sip:push@push.lync.com',
    max: 256,
    enforced: false,
    description: "Microsoft's push clearing house; Parley pushes directly (push-config), so not used.",
  },
]

export const PUSH_PARAMETERS: readonly ParameterSpec[] = [
  bool('EnableApplePushNotificationService', false, 'Push to iOS devices through APNs.'),
  bool(
    'EnableMicrosoftPushNotificationService',
    false,
    'MPNS is retired; accepted for scripts, not used.',
    false,
  ),
  bool('EnableFirebaseCloudMessaging', false, 'Push to Android devices through FCM.'),
  bool('EnableWebPush', false, 'Push to browsers through Web Push.'),
]

/** The defaults of a parameter list, as a settings object. */
export function defaultsOf(specs: readonly ParameterSpec[]): Settings {
  return Object.fromEntries(specs.map((p) => [p.name, p.default]))
}

/** A setting the admin got wrong; the message names the parameter and what is allowed. */
export interface SettingProblem {
  readonly parameter: string
  readonly message: string
}

/**
 * Checks a partial settings object against the parameter list: unknown names, wrong types and
 * out-of-range values are problems. Names match case-insensitively and come back in the spec's
 * spelling. Strings from the command line (`true`, `120`) are accepted for booleans and numbers
 * unless `strictTypes` (JSON input: a boolean must be a JSON boolean, seconds a JSON integer).
 */
export function readSettings(
  specs: readonly ParameterSpec[],
  input: Readonly<Record<string, unknown>>,
  options: { readonly strictTypes?: boolean } = {},
): { settings: Settings; problems: SettingProblem[] } {
  const byName = new Map(specs.map((p) => [p.name.toLowerCase(), p]))
  const settings: Record<string, SettingValue> = {}
  const problems: SettingProblem[] = []
  for (const [key, raw] of Object.entries(input)) {
    const spec = byName.get(key.toLowerCase())
    if (!spec) {
      problems.push({
        parameter: key,
        message: `unknown parameter; known: ${specs.map((p) => p.name).join(', ')}`,
      })
      continue
    }
    const result =
      options.strictTypes && !jsonTypeMatches(spec, raw) ? wrongJsonType(spec, raw) : coerce(spec, raw)
    if ('problem' in result) problems.push({ parameter: spec.name, message: result.problem })
    else settings[spec.name] = result.value
  }
  return { settings, problems }
}

type Coerced = { readonly value: SettingValue } | { readonly problem: string }

const ok = (value: SettingValue): Coerced => ({ value })
const fail = (problem: string): Coerced => ({ problem })

// One converter per type; strings from the command line are accepted for booleans and numbers.
const COERCE: Readonly<Record<ParameterSpec['type'], (spec: ParameterSpec, raw: unknown) => Coerced>> = {
  boolean: (_, raw) => {
    if (typeof raw === 'boolean') return ok(raw)
    const text = typeof raw === 'string' ? raw.trim().toLowerCase().replace(/^\$/, '') : ''
    if (text === 'true' || text === 'false') return ok(text === 'true')
    return fail(`must be true or false, not ${JSON.stringify(raw)}`)
  },
  seconds: (spec, raw) => {
    const text = typeof raw === 'string' ? raw.trim() : ''
    const n = typeof raw === 'number' ? raw : /^\d+$/.test(text) ? Number(text) : Number.NaN
    if (!Number.isInteger(n)) return fail(`must be a whole number of seconds, not ${JSON.stringify(raw)}`)
    if (n < (spec.min ?? 0) || n > (spec.max ?? Number.MAX_SAFE_INTEGER)) {
      return fail(`must be between ${spec.min} and ${spec.max} seconds, not ${n}`)
    }
    return ok(n)
  },
  enum: (spec, raw) => {
    const text = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined
    const match = spec.values?.find((v) => v.toLowerCase() === text)
    return match ? ok(match) : fail(`must be one of ${spec.values?.join(', ')}, not ${JSON.stringify(raw)}`)
  },
  sipUri: (_, raw) => {
    if (typeof raw !== 'string' || !/^sip:[^@\s]+@[^@\s]+$/i.test(raw.trim())) {
      return fail(`must be a SIP address (sip:user@domain), not ${JSON.stringify(raw)}`)
    }
    return ok(raw.trim())
  },
  string: (spec, raw) => {
    if (typeof raw !== 'string') return fail(`must be text, not ${JSON.stringify(raw)}`)
    const max = spec.max ?? 1024
    return raw.length > max ? fail(`must be at most ${max} characters`) : ok(raw)
  },
}

const coerce = (spec: ParameterSpec, raw: unknown): Coerced => COERCE[spec.type](spec, raw)

const JSON_TYPE: Readonly<Record<ParameterSpec['type'], string>> = {
  boolean: 'boolean',
  seconds: 'number',
  enum: 'string',
  sipUri: 'string',
  string: 'string',
}

const jsonTypeMatches = (spec: ParameterSpec, raw: unknown): boolean => typeof raw === JSON_TYPE[spec.type]

const wrongJsonType = (spec: ParameterSpec, raw: unknown): Coerced =>
  fail(
    `must be a JSON ${spec.type === 'seconds' ? 'integer' : JSON_TYPE[spec.type]}, not ${JSON.stringify(raw)}`,
  )
