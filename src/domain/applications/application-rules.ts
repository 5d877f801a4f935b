// Pure rules about applications: classification and lifetime. No I/O.
import type { Application, EndpointKind } from './application-types.ts'

/** Idle lifetimes per endpoint kind. Defaults follow UCWA: ~15 min without a P-GET for browsers,
 * 1 day for mobile apps (MobileApplicationExpiryTimeInDays=1), since phones sleep between pushes. */
export interface ApplicationSettings {
  readonly idleTimeoutSeconds: Readonly<Record<EndpointKind, number>>
  /** Live applications one user may hold at once (TooManyApplications beyond). */
  readonly maxPerUser: number
  /** Activity is written at most this often per application, keeping the hot path read-only. */
  readonly activityWriteIntervalSeconds: number
  /** Expired applications are kept this long so late requests get 410 rather than 404. */
  readonly expiredRetentionSeconds: number
  /** How long a node trusts an application it read without reading it again. Changes made on
   * this node apply at once; this bounds how late other processes' changes are seen. */
  readonly cacheSeconds: number
}

export const DEFAULT_APPLICATIONS: ApplicationSettings = {
  idleTimeoutSeconds: { browser: 900, desktop: 900, mobile: 86_400 },
  maxPerUser: 10,
  activityWriteIntervalSeconds: 30,
  expiredRetentionSeconds: 3_600,
  cacheSeconds: 5,
}

const MOBILE_TYPES = new Set(['phone', 'tablet', 'mobile', 'iphone', 'ipad', 'android', 'windowsphone'])
const DESKTOP_TYPES = new Set(['desktop', 'pc', 'mac', 'windows', 'macintosh'])
const MOBILE_AGENT = /\b(?:iphone|ipad|ipod|ios|android|windows phone|mobile|lyncmobile|sfbmobile)\b/i

/**
 * What kind of endpoint an application is. The declared `type` wins (mobile UCWA clients send
 * `Phone`/`Tablet`); without one, the UserAgent decides, and anything else is a browser.
 */
export function classifyEndpoint(type: string | undefined, userAgent: string): EndpointKind {
  const t = type?.toLowerCase().replace(/[\s_-]/g, '')
  if (t && MOBILE_TYPES.has(t)) return 'mobile'
  if (t && DESKTOP_TYPES.has(t)) return 'desktop'
  if (t === 'browser') return 'browser'
  return MOBILE_AGENT.test(userAgent) ? 'mobile' : 'browser'
}

export const isExpired = (app: Application, now: number): boolean => app.expiresAt <= now

export const idleDeadline = (kind: EndpointKind, from: number, settings: ApplicationSettings): number =>
  from + settings.idleTimeoutSeconds[kind] * 1000
