// Pure policy rules: parameters and defaults, identities, Get filters, scope resolution, and the
// UCWA `policies` resource and media rights the effective mobility policy gives.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { SipUri, UserId } from '../../src/domain/ids.ts'
import {
  allowedModalities,
  clientPolicies,
  DEFAULT_MOBILITY,
  mediaRights,
} from '../../src/domain/policies/client-policies.ts'
import { identityFilter, parseIdentity } from '../../src/domain/policies/identity.ts'
import { KINDS } from '../../src/domain/policies/kinds.ts'
import {
  defaultsOf,
  MCX_PARAMETERS,
  MOBILITY_PARAMETERS,
  PUSH_PARAMETERS,
  readSettings,
} from '../../src/domain/policies/parameters.ts'
import {
  mcxCandidates,
  mobilityCandidates,
  type PolicyObject,
  pushCandidates,
  resolve,
} from '../../src/domain/policies/resolution.ts'
import type { User } from '../../src/domain/users/user-types.ts'

const user = (patch: Partial<User> = {}): User => ({
  id: 'u1' as UserId,
  sipUri: 'sip:alice@example.test' as SipUri,
  displayName: 'Alice',
  email: null,
  title: null,
  department: null,
  phones: {},
  homePool: 'pool01.example.test',
  enterpriseVoice: true,
  lineUri: null,
  enabled: true,
  outOfOfficeNote: null,
  createdAt: 0,
  updatedAt: 0,
  ...patch,
})

const object = (text: string, settings: Record<string, unknown>): PolicyObject => {
  const identity = parseIdentity(text)
  if ('problem' in identity) throw new Error(identity.problem)
  return { identity, settings: settings as never }
}

describe('defaults (docs/admin-reference.md §1.2, §2, §3.1)', () => {
  it('mobility: everything on except the Wi-Fi requirements', () => {
    const d = defaultsOf(MOBILITY_PARAMETERS)
    for (const on of [
      'EnableMobility',
      'EnableOutsideVoice',
      'EnableIPAudioVideo',
      'AllowCustomerExperienceImprovementProgram',
      'AllowSaveCallLogs',
      'AllowExchangeConnectivity',
      'AllowSaveIMHistory',
      'AllowSaveCredentials',
    ]) {
      assert.equal(d[on], true, on)
    }
    for (const off of ['RequireWiFiForIPAudio', 'RequireWIFIForIPVideo', 'RequireWiFiForSharing']) {
      assert.equal(d[off], false, off)
    }
    assert.equal(d.Description, '')
  })

  it('online-only parameters are accepted but marked not enforced', () => {
    const notEnforced = MOBILITY_PARAMETERS.filter((p) => !p.enforced).map((p) => p.name)
    assert.deepEqual(notEnforced.sort(), [
      'AllowAutomaticPstnFallback',
      'AllowDeviceContactsSync',
      'EnablePushNotifications',
      'EncryptAppData',
      'RequireIntune',
      'VoiceSettings',
    ])
  })

  it('Mcx: External, 3 days and 1 hour; push: all off', () => {
    assert.deepEqual(defaultsOf(MCX_PARAMETERS), {
      ExposedWebURL: 'External',
      SessionExpirationInterval: 259_200,
      SessionShortExpirationInterval: 3_600,
      PushNotificationProxyUri: 'sip:push@push.lync.com',
    })
    assert.ok(Object.values(defaultsOf(PUSH_PARAMETERS)).every((v) => v === false))
  })
})

describe('readSettings', () => {
  it('matches names case-insensitively and converts command-line text', () => {
    const { settings, problems } = readSettings(MOBILITY_PARAMETERS, {
      enableoutsidevoice: '$False',
      REQUIREWIFIFORIPVIDEO: 'true',
      voicesettings: 'cellular',
    })
    assert.deepEqual(problems, [])
    assert.deepEqual(settings, {
      EnableOutsideVoice: false,
      RequireWIFIForIPVideo: true,
      VoiceSettings: 'Cellular',
    })
  })

  it('names unknown parameters, wrong types and out-of-range values', () => {
    const { problems } = readSettings(MCX_PARAMETERS, {
      Bogus: 1,
      ExposedWebURL: 'Sideways',
      SessionExpirationInterval: '119',
      PushNotificationProxyUri: 'push.lync.com',
    })
    assert.deepEqual(
      problems.map((p) => p.parameter),
      ['Bogus', 'ExposedWebURL', 'SessionExpirationInterval', 'PushNotificationProxyUri'],
    )
    assert.match(problems[0]?.message ?? '', /unknown parameter; known: ExposedWebURL/)
  })

  it('strict JSON types refuse "true" for a boolean and "120" for seconds', () => {
    const strict = readSettings(MOBILITY_PARAMETERS, { EnableMobility: 'true' }, { strictTypes: true })
    assert.match(strict.problems[0]?.message ?? '', /JSON boolean/)
    const seconds = readSettings(
      MCX_PARAMETERS,
      { SessionShortExpirationInterval: '120' },
      { strictTypes: true },
    )
    assert.match(seconds.problems[0]?.message ?? '', /JSON integer/)
  })

  it('Mcx: the session lifetime must exceed the short one', () => {
    const check = KINDS['mcx-config'].check
    assert.deepEqual(check(defaultsOf(MCX_PARAMETERS)), [])
    const bad = check({ ...defaultsOf(MCX_PARAMETERS), SessionExpirationInterval: 3_600 })
    assert.equal(bad[0]?.parameter, 'SessionExpirationInterval')
  })
})

describe('identities', () => {
  it('parses the cmdlet forms into canonical text', () => {
    const text = (t: string) => {
      const i = parseIdentity(t)
      return 'problem' in i ? `problem: ${i.problem}` : `${i.scope} ${i.text}`
    }
    assert.equal(text('global'), 'global Global')
    assert.equal(text('site:Redmond'), 'site Site:Redmond')
    assert.equal(text('TAG:NoVoip'), 'tag Tag:NoVoip')
    assert.equal(text('RedmondMobilityPolicy'), 'tag Tag:RedmondMobilityPolicy')
    assert.equal(
      text('service:webserver:POOL01.example.test'),
      'service Service:WebServer:pool01.example.test',
    )
    assert.match(text('site:'), /problem/)
    assert.match(text('service:Registrar:pool01'), /problem/)
    assert.match(text('user:alice'), /problem/)
  })

  it('Get --filter takes * and ? wildcards, case-insensitively', () => {
    const sites = identityFilter('site:*')
    assert.ok(sites('Site:Redmond'))
    assert.ok(!sites('Tag:Site'))
    assert.ok(identityFilter('tag:?o*')('Tag:NoVoip'))
    assert.ok(!identityFilter('tag:?o')('Tag:NoVoip'))
    assert.ok(identityFilter('Site:Red.mond')('site:red.mond'))
    assert.ok(!identityFilter('Site:Red.mond')('site:redXmond'))
  })
})

describe('scope resolution (docs/admin-reference.md §1.3)', () => {
  const spec = KINDS['mobility-policy']
  const objects = [
    object('Global', { ...DEFAULT_MOBILITY, Description: 'global' }),
    object('Site:Redmond', { ...DEFAULT_MOBILITY, Description: 'redmond' }),
    object('Tag:NoVoip', { ...DEFAULT_MOBILITY, Description: 'novoip' }),
  ]
  const source = (granted: string | undefined, site: string | undefined) =>
    resolve(spec, objects, mobilityCandidates(granted, site)).source

  it('per-user grant → home site → Global', () => {
    assert.equal(source('NoVoip', 'Redmond'), 'Tag:NoVoip')
    assert.equal(source('novoip', 'Redmond'), 'Tag:NoVoip')
    assert.equal(source(undefined, 'Redmond'), 'Site:Redmond')
    assert.equal(source(undefined, 'Dublin'), 'Global')
  })

  it('a grant of a policy that no longer exists falls back to the site, then Global', () => {
    assert.equal(source('Gone', 'Redmond'), 'Site:Redmond')
    assert.equal(source('Gone', 'Dublin'), 'Global')
  })

  it('with nothing stored, Global is the defaults', () => {
    const e = resolve(spec, [], mobilityCandidates(undefined, 'Redmond'))
    assert.deepEqual(e, { source: 'Global', settings: DEFAULT_MOBILITY })
  })

  it('stored settings missing a parameter get its default', () => {
    const e = resolve(
      spec,
      [object('Site:Redmond', { EnableMobility: false })],
      mobilityCandidates(undefined, 'Redmond'),
    )
    assert.equal(e.settings.EnableMobility, false)
    assert.equal(e.settings.EnableOutsideVoice, true)
  })

  it('Mcx: web server → site → Global; push: site → Global', () => {
    const mcx = KINDS['mcx-config']
    const mcxObjects = [
      object('Site:Redmond', { ExposedWebURL: 'Internal' }),
      object('Service:WebServer:pool02.example.test', {}),
    ]
    assert.equal(
      resolve(mcx, mcxObjects, mcxCandidates('pool01.example.test', 'Redmond')).source,
      'Site:Redmond',
    )
    assert.equal(
      resolve(mcx, mcxObjects, mcxCandidates('pool02.example.test', 'Redmond')).source,
      'Service:WebServer:pool02.example.test',
    )
    assert.equal(resolve(mcx, mcxObjects, mcxCandidates('pool03.example.test', 'Dublin')).source, 'Global')
    const push = KINDS['push-config']
    assert.equal(resolve(push, [object('Site:Dublin', {})], pushCandidates('Dublin')).source, 'Site:Dublin')
    assert.equal(resolve(push, [object('Site:Dublin', {})], pushCandidates('Redmond')).source, 'Global')
  })
})

describe('the policies resource and media rights', () => {
  it('defaults: Wi-Fi flags off, mobility allowances on', () => {
    const p = clientPolicies(user())
    assert.equal(p.audioOnlyOnWifi, 'Disabled')
    assert.equal(p.saveMessagingHistory, 'Enabled')
    assert.equal(p.telephonyMode, 'Uc')
    assert.equal(p.voicemailUri, 'sip:alice@example.test;opaque=app:voicemail')
  })

  it('the Wi-Fi requirements become audioOnlyOnWifi, videoOnlyOnWifi, sharingOnlyOnWifi', () => {
    const p = clientPolicies(user(), {
      ...DEFAULT_MOBILITY,
      RequireWiFiForIPAudio: true,
      RequireWIFIForIPVideo: true,
      RequireWiFiForSharing: true,
      AllowSaveIMHistory: false,
    })
    assert.equal(p.audioOnlyOnWifi, 'Enabled')
    assert.equal(p.videoOnlyOnWifi, 'Enabled')
    assert.equal(p.sharingOnlyOnWifi, 'Enabled')
    assert.equal(p.saveMessagingHistory, 'Disabled')
  })

  it('Call via Work needs EnableOutsideVoice, EnableMobility and Enterprise Voice', () => {
    assert.equal(mediaRights(user(), DEFAULT_MOBILITY).phoneAudio, true)
    assert.equal(mediaRights(user({ enterpriseVoice: false }), DEFAULT_MOBILITY).phoneAudio, false)
    assert.equal(mediaRights(user(), { ...DEFAULT_MOBILITY, EnableOutsideVoice: false }).phoneAudio, false)
    assert.equal(mediaRights(user(), { ...DEFAULT_MOBILITY, EnableMobility: false }).phoneAudio, false)
  })

  it('filters Audio, Video and PanoramicVideo without EnableIPAudioVideo, PhoneAudio without Call via Work', () => {
    const all = ['Messaging', 'Audio', 'Video', 'PanoramicVideo', 'PhoneAudio', 'ApplicationSharing']
    const noAv = mediaRights(user(), { ...DEFAULT_MOBILITY, EnableIPAudioVideo: false })
    assert.deepEqual(allowedModalities(all, noAv), ['Messaging', 'PhoneAudio', 'ApplicationSharing'])
    assert.equal(
      clientPolicies(user(), { ...DEFAULT_MOBILITY, EnableIPAudioVideo: false }).telephonyMode,
      'PhoneAudio',
    )
    const nothing = mediaRights(user({ enterpriseVoice: false }), {
      ...DEFAULT_MOBILITY,
      EnableIPAudioVideo: false,
    })
    assert.deepEqual(allowedModalities(all, nothing), ['Messaging', 'ApplicationSharing'])
  })
})
