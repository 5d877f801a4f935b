// Pure rules of presence subscriptions (docs/protocol.md §5.3): durations, extension, the URIs
// clients send. See docs/presence.md.
import type { SipUri } from '../ids.ts'
import { parseSipUri } from '../users/sip-uri.ts'

export interface SubscriptionSettings {
  /**
   * Most contacts one user may watch through live subscriptions, summed over their applications
   * (each endpoint subscribes on its own, so a contact watched from two counts twice).
   */
  readonly maxContactsPerUser: number
  /** How long before expiry the application is told (`presenceSubscription` updated). */
  readonly warnBeforeMs: number
}

export const DEFAULT_SUBSCRIPTION_SETTINGS: SubscriptionSettings = {
  maxContactsPerUser: 1_000,
  warnBeforeMs: 60_000,
}

/** Lync's bounds for `duration` (minutes) and the value used when a client sends none. */
export const MIN_DURATION_MINUTES = 10
export const MAX_DURATION_MINUTES = 30
export const DEFAULT_DURATION_MINUTES = 30

const MINUTE = 60_000

/** `duration` clamped to 10–30 minutes, as Lync did (it did not refuse values out of range). */
export function clampDuration(minutes: number | undefined): number {
  if (minutes === undefined || !Number.isFinite(minutes)) return DEFAULT_DURATION_MINUTES
  return Math.min(MAX_DURATION_MINUTES, Math.max(MIN_DURATION_MINUTES, Math.round(minutes)))
}

/** When a new subscription of `minutes` expires. */
export function expiryOf(now: number, minutes: number | undefined): number {
  return now + clampDuration(minutes) * MINUTE
}

/**
 * Extending: the remaining time plus `minutes` (clamped to 10–30), never more than 30 minutes
 * from now (presenceSubscription_ref.md, POST).
 */
export function extendedExpiry(expiresAt: number, now: number, minutes: number | undefined): number {
  const remaining = Math.max(0, expiresAt - now)
  return now + Math.min(remaining + clampDuration(minutes) * MINUTE, MAX_DURATION_MINUTES * MINUTE)
}

/**
 * A contact URI as clients send it: `sip:bob@example.test`, `bob@example.test`, any casing, even
 * the docs' quoted `"sip : bob@example.test"` form. Undefined when it is no SIP address.
 */
export function contactUriOf(text: string): SipUri | undefined {
  return parseSipUri(text.replace(/["\s]/g, ''))
}
